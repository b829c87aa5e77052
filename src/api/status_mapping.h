// Maps engine Status values onto Milvus's status message: both the numeric `code` (newer
// clients) and the legacy `error_code` enum (the Node SDK reads only that one) are set on
// every error, with the values real Milvus uses (see ../shared/PROTOCOL.md).
#pragma once

#include <grpcpp/support/status.h>

#include "common.pb.h"
#include "common/status.h"

namespace strata::api {

// Milvus error codes (merr) that clients look for.
inline constexpr int32_t kCodeServiceNotReady = 1;
inline constexpr int32_t kCodeServiceUnavailable = 2;
inline constexpr int32_t kCodeServiceInternal = 5;
inline constexpr int32_t kCodeRateLimit = 8;
inline constexpr int32_t kCodeUnimplemented = 10;
inline constexpr int32_t kCodeCollectionNotFound = 100;
inline constexpr int32_t kCodeCollectionNotLoaded = 101;
inline constexpr int32_t kCodePartitionNotFound = 200;
inline constexpr int32_t kCodePartitionNotLoaded = 201;
inline constexpr int32_t kCodeIndexNotFound = 700;
inline constexpr int32_t kCodeDatabaseNotFound = 800;
inline constexpr int32_t kCodeDatabaseNumLimit = 801;
inline constexpr int32_t kCodeDatabaseInvalidName = 802;
inline constexpr int32_t kCodeParameterInvalid = 1100;
inline constexpr int32_t kCodeAliasNotFound = 1600;
inline constexpr int32_t kCodeAliasNameConflict = 1601;
inline constexpr int32_t kCodeAliasExists = 1602;
// The REST API's own (Milvus's httpserver): an unknown endpoint, a body that is no JSON.
inline constexpr int32_t kCodeRestPathNotFound = 1800;
inline constexpr int32_t kCodeRestBadJson = 1801;
// Milvus's code for errors it raises without a code of their own (e.g. dropping a database
// that still has collections).
inline constexpr int32_t kCodeUnexpected = 65535;

void FillStatus(const Status& status, milvus::proto::common::Status* out);
milvus::proto::common::Status ToProto(const Status& status);

// What every RPC returns: gRPC OK with the application status in `out`; failures are logged at
// debug level under the RPC's name.
grpc::Status Reply(const Status& status, milvus::proto::common::Status* out, const char* rpc);

}  // namespace strata::api
