// Result<T>: either a value of type T or a non-OK Status (GCC 12 in C++20 mode has no
// std::expected). Construct from a T (success) or from a non-OK Status (failure); constructing
// from an OK Status is a bug and is turned into an INTERNAL error.
//
// Thread safety: a value type, like T.
#ifndef CAIRN_CORE_RESULT_H_
#define CAIRN_CORE_RESULT_H_

#include <cstdlib>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/status.h"

namespace cairn {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : value_(value) {}        // NOLINT: implicit by design
  Result(T&& value) : value_(std::move(value)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : value_(std::forward<U>(value)) {}                   // NOLINT
  Result(const Status& status) : status_(status) { CheckNotOk(); }        // NOLINT
  Result(Status&& status) : status_(std::move(status)) { CheckNotOk(); }  // NOLINT

  bool ok() const { return status_.ok(); }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  // Preconditions for the accessors below: ok(). Violations abort (a bug, not a runtime error).
  const T& value() const& {
    CheckOk();
    return *value_;
  }
  T& value() & {
    CheckOk();
    return *value_;
  }
  T&& value() && {
    CheckOk();
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // The value, or `fallback` when not ok.
  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void CheckNotOk() {
    if (status_.ok()) status_ = InternalError("Result constructed from an OK Status");
  }
  void CheckOk() const {
    if (!status_.ok()) std::abort();
  }

  Status status_;
  std::optional<T> value_;
};

}  // namespace cairn

#define CAIRN_STATUS_CONCAT_INNER_(a, b) a##b
#define CAIRN_STATUS_CONCAT_(a, b) CAIRN_STATUS_CONCAT_INNER_(a, b)

// CAIRN_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (a Result<T>); on error returns its Status
// from the enclosing function, otherwise moves the value into `lhs` (which may declare a
// variable, e.g. `auto file`).
#define CAIRN_ASSIGN_OR_RETURN(lhs, expr) \
  CAIRN_ASSIGN_OR_RETURN_IMPL_(CAIRN_STATUS_CONCAT_(cairn_result_, __LINE__), lhs, expr)
#define CAIRN_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

#endif  // CAIRN_CORE_RESULT_H_
