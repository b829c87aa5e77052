#include "api/status_mapping.h"

#include <spdlog/spdlog.h>

namespace strata::api {

namespace common = milvus::proto::common;

void FillStatus(const Status& status, common::Status* out) {
  out->Clear();
  if (status.ok()) return;  // code 0, error_code Success
  int32_t code = kCodeServiceInternal;
  common::ErrorCode legacy = common::ErrorCode::UnexpectedError;
  switch (status.tag()) {
    case ErrorTag::kCollectionNotFound:
      code = kCodeCollectionNotFound;
      legacy = common::ErrorCode::CollectionNotExists;
      break;
    case ErrorTag::kCollectionNotLoaded:
      code = kCodeCollectionNotLoaded;
      break;
    case ErrorTag::kPartitionNotFound:
      code = kCodePartitionNotFound;
      break;
    case ErrorTag::kPartitionNotLoaded:
      code = kCodePartitionNotLoaded;
      break;
    case ErrorTag::kAliasNotFound:
      code = kCodeAliasNotFound;
      legacy = common::ErrorCode::IllegalArgument;
      break;
    case ErrorTag::kAliasNameConflict:
      code = kCodeAliasNameConflict;
      legacy = common::ErrorCode::IllegalArgument;
      break;
    case ErrorTag::kAliasExists:
      code = kCodeAliasExists;
      legacy = common::ErrorCode::IllegalArgument;
      break;
    case ErrorTag::kDatabaseNotFound:
      code = kCodeDatabaseNotFound;
      break;
    case ErrorTag::kDatabaseLimit:
      code = kCodeDatabaseNumLimit;
      break;
    case ErrorTag::kDatabaseInvalidName:
      code = kCodeDatabaseInvalidName;
      break;
    case ErrorTag::kDatabaseState:
      code = kCodeUnexpected;
      break;
    case ErrorTag::kIndexNotFound:
      code = kCodeIndexNotFound;
      legacy = common::ErrorCode::IndexNotExist;
      break;
    default:
      switch (status.code()) {
        case StatusCode::kInvalidArgument:
        case StatusCode::kAlreadyExists:
        case StatusCode::kOutOfRange:
        case StatusCode::kFailedPrecondition:
        case StatusCode::kNotFound:
          code = kCodeParameterInvalid;
          legacy = common::ErrorCode::IllegalArgument;
          break;
        case StatusCode::kResourceExhausted:
          code = kCodeRateLimit;
          legacy = common::ErrorCode::RateLimit;
          break;
        case StatusCode::kUnavailable:
        case StatusCode::kDeadlineExceeded:
          code = kCodeServiceUnavailable;
          break;
        case StatusCode::kUnimplemented:
          code = kCodeUnimplemented;
          break;
        default:
          break;
      }
  }
  out->set_code(code);
  out->set_error_code(legacy);
  out->set_reason(std::string(status.message()));
  out->set_retriable(status.retriable());
}

grpc::Status Reply(const Status& status, common::Status* out, const char* rpc) {
  if (!status.ok()) spdlog::debug("{}: {}", rpc, status.ToString());
  FillStatus(status, out);
  return grpc::Status::OK;
}

common::Status ToProto(const Status& status) {
  common::Status out;
  FillStatus(status, &out);
  return out;
}

}  // namespace strata::api
