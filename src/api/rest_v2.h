// Milvus's REST API v2 (POST /v2/vectordb/<group>/<action>, camelCase JSON) over the same
// MilvusService as gRPC: each request becomes the gRPC request it stands for, so both APIs
// validate, convert and fail alike. Every answer is HTTP 200 with {"code": 0, "data": ...}
// or {"code": <Milvus code>, "message": ...} (see doc/protocol.md, "REST v2"). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "api/milvus_service.h"

namespace strata::api {

class RestV2 {
 public:
  explicit RestV2(MilvusService* service) : service_(service) {}

  // The answer's body for a POST to `path` ("/v2/vectordb/collections/create") with `body`.
  // `allow_int64`: the request's Accept-Type-Allow-Int64 header was "true", so Int64 values
  // are sent as JSON numbers rather than strings.
  std::string Handle(std::string_view path, std::string_view body, bool allow_int64) const;

 private:
  MilvusService* const service_;
};

}  // namespace strata::api
