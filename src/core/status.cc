#include "core/status.h"

#include <cerrno>
#include <cstring>

namespace cairn {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kUnknown:
      return "UNKNOWN";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case StatusCode::kAborted:
      return "ABORTED";
    case StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kDataLoss:
      return "DATA_LOSS";
    case StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case StatusCode::kIoError:
      return "IO_ERROR";
  }
  return "UNKNOWN_CODE";
}

Status::Status(StatusCode code, std::string_view message) {
  // An OK code never carries a message: OK is always the null representation.
  if (code != StatusCode::kOk) rep_ = std::make_unique<Rep>(Rep{code, std::string(message)});
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(rep_->code));
  if (!rep_->message.empty()) {
    out += ": ";
    out += rep_->message;
  }
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return Status();
  std::string msg(context);
  msg += ": ";
  msg += rep_->message;
  return Status(rep_->code, msg);
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

#define CAIRN_DEFINE_ERROR(Fn, Code) \
  Status Fn(std::string_view msg) { return Status(StatusCode::Code, msg); }
CAIRN_DEFINE_ERROR(CancelledError, kCancelled)
CAIRN_DEFINE_ERROR(UnknownError, kUnknown)
CAIRN_DEFINE_ERROR(InvalidArgumentError, kInvalidArgument)
CAIRN_DEFINE_ERROR(DeadlineExceededError, kDeadlineExceeded)
CAIRN_DEFINE_ERROR(NotFoundError, kNotFound)
CAIRN_DEFINE_ERROR(AlreadyExistsError, kAlreadyExists)
CAIRN_DEFINE_ERROR(PermissionDeniedError, kPermissionDenied)
CAIRN_DEFINE_ERROR(ResourceExhaustedError, kResourceExhausted)
CAIRN_DEFINE_ERROR(FailedPreconditionError, kFailedPrecondition)
CAIRN_DEFINE_ERROR(AbortedError, kAborted)
CAIRN_DEFINE_ERROR(OutOfRangeError, kOutOfRange)
CAIRN_DEFINE_ERROR(UnimplementedError, kUnimplemented)
CAIRN_DEFINE_ERROR(InternalError, kInternal)
CAIRN_DEFINE_ERROR(UnavailableError, kUnavailable)
CAIRN_DEFINE_ERROR(DataLossError, kDataLoss)
CAIRN_DEFINE_ERROR(UnauthenticatedError, kUnauthenticated)
CAIRN_DEFINE_ERROR(IoError, kIoError)
#undef CAIRN_DEFINE_ERROR

Status ErrnoToStatus(int err, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case 0:
      return Status();
    case ENOENT:
    case ENOTDIR:
      return NotFoundError(msg);
    case EEXIST:
      return AlreadyExistsError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return PermissionDeniedError(msg);
    case ENOSPC:
    case EDQUOT:
    case EMFILE:
    case ENFILE:
      return ResourceExhaustedError(msg);
    case EAGAIN:
    case EBUSY:
      return UnavailableError(msg);
    case EINVAL:
    case ENAMETOOLONG:
    case EISDIR:
      return InvalidArgumentError(msg);
    default:
      return IoError(msg);
  }
}

}  // namespace cairn
