// Status: the error type of every layer below the API. Cheap when OK (one pointer).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace strata {

// Canonical codes, with the retry meaning of absl's codes.
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,  // retry the call
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,   // retry later (throttling)
  kFailedPrecondition = 9,  // don't retry until state changes
  kAborted = 10,            // retry the whole transaction
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,  // retry the call
  kDataLoss = 15,     // corrupt or missing durable data; never skipped
};

// What a failure is about, when a client needs to tell it apart (the API maps these to
// Milvus's codes). kNone for everything else.
enum class ErrorTag : int {
  kNone = 0,
  kCollectionNotFound,
  kCollectionExists,
  kCollectionNotLoaded,
  kIndexNotFound,
  kFieldNotFound,
  kPartitionNotFound,
  kPartitionNotLoaded,
  kAliasNotFound,
  kAliasNameConflict,  // an alias named like a collection, or the reverse
  kAliasExists,        // the alias names another collection
  kDatabaseNotFound,
  kDatabaseLimit,        // too many databases
  kDatabaseInvalidName,  // a name that breaks Milvus's rules for database names
  kDatabaseState,        // `default` dropped or created, a database dropped with collections
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, ErrorTag tag = ErrorTag::kNone);

  static Status Ok() { return Status(); }

  bool ok() const { return rep_ == nullptr; }
  StatusCode code() const { return rep_ ? rep_->code : StatusCode::kOk; }
  ErrorTag tag() const { return rep_ ? rep_->tag : ErrorTag::kNone; }
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }
  // True for codes where repeating the same call later may succeed.
  bool retriable() const;
  // "InvalidArgument: message".
  std::string ToString() const;
  // Returns a copy with "context: " prepended to the message.
  Status WithContext(std::string_view context) const;

 private:
  struct Rep {
    StatusCode code;
    ErrorTag tag;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

const char* StatusCodeName(StatusCode code);

inline Status InvalidArgument(std::string msg) {
  return Status(StatusCode::kInvalidArgument, std::move(msg));
}
inline Status NotFound(std::string msg) { return Status(StatusCode::kNotFound, std::move(msg)); }
inline Status AlreadyExists(std::string msg) {
  return Status(StatusCode::kAlreadyExists, std::move(msg));
}
inline Status FailedPrecondition(std::string msg) {
  return Status(StatusCode::kFailedPrecondition, std::move(msg));
}
inline Status Unavailable(std::string msg) {
  return Status(StatusCode::kUnavailable, std::move(msg));
}
inline Status Internal(std::string msg) { return Status(StatusCode::kInternal, std::move(msg)); }
inline Status DataLoss(std::string msg) { return Status(StatusCode::kDataLoss, std::move(msg)); }
inline Status Unimplemented(std::string msg) {
  return Status(StatusCode::kUnimplemented, std::move(msg));
}
inline Status OutOfRange(std::string msg) {
  return Status(StatusCode::kOutOfRange, std::move(msg));
}

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns from the current function if `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)      \
  do {                             \
    ::strata::Status _st = (expr); \
    if (!_st.ok()) return _st;     \
  } while (0)
