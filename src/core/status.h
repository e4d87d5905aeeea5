// Status: the outcome of an operation that can fail, with a canonical code and a message.
//
// Storage failures are normal (full disks, torn files, bad input), so they travel in function
// signatures rather than as exceptions. A Status is one pointer wide; OK is a null pointer and
// costs nothing to create, copy or test. Each face maps codes to its protocol's error form in one
// table (S3 XML, RESP -ERR, HTTP status for the Session RPC).
//
// Thread safety: a Status is a value; distinct objects may be used from distinct threads.
#ifndef CAIRN_CORE_STATUS_H_
#define CAIRN_CORE_STATUS_H_

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace cairn {

// Canonical codes (the gRPC/abseil set, plus kIoError for failed device I/O).
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,  // includes ENOSPC and memory limits
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,  // stored data is corrupt (checksum mismatch, torn record)
  kUnauthenticated = 16,
  kIoError = 17,  // the device or OS failed an I/O (EIO and friends)
};

// Returns the code's name, e.g. "NOT_FOUND".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(StatusCode code, std::string_view message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  // Empty for OK.
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  // "OK" or "NOT_FOUND: message".
  std::string ToString() const;
  // Returns a copy whose message is "context: message"; OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly discards a Status where ignoring it is correct (e.g. best-effort cleanup).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code() == b.code() && a.message() == b.message();
  }

 private:
  struct Rep {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

Status CancelledError(std::string_view msg);
Status UnknownError(std::string_view msg);
Status InvalidArgumentError(std::string_view msg);
Status DeadlineExceededError(std::string_view msg);
Status NotFoundError(std::string_view msg);
Status AlreadyExistsError(std::string_view msg);
Status PermissionDeniedError(std::string_view msg);
Status ResourceExhaustedError(std::string_view msg);
Status FailedPreconditionError(std::string_view msg);
Status AbortedError(std::string_view msg);
Status OutOfRangeError(std::string_view msg);
Status UnimplementedError(std::string_view msg);
Status InternalError(std::string_view msg);
Status UnavailableError(std::string_view msg);
Status DataLossError(std::string_view msg);
Status UnauthenticatedError(std::string_view msg);
Status IoError(std::string_view msg);

// Maps an errno value to a Status: ENOENT -> kNotFound, EEXIST -> kAlreadyExists,
// EACCES/EPERM/EROFS -> kPermissionDenied, ENOSPC/EDQUOT -> kResourceExhausted, EAGAIN/EWOULDBLOCK
// -> kUnavailable, EINVAL -> kInvalidArgument, anything else -> kIoError. The message is
// "context: strerror(err)".
Status ErrnoToStatus(int err, std::string_view context);

}  // namespace cairn

// Evaluates `expr` (a Status); returns it from the enclosing function unless OK.
#define CAIRN_RETURN_IF_ERROR(expr)               \
  do {                                            \
    ::cairn::Status cairn_status_macro_ = (expr); \
    if (!cairn_status_macro_.ok()) {              \
      return cairn_status_macro_;                 \
    }                                             \
  } while (0)

#endif  // CAIRN_CORE_STATUS_H_
