// The parts every REST API v2 handler shares (rest_v2.h): the parsed request, the answer
// envelope, readers of request fields, and the calls into MilvusService. Internal to api/.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/convert.h"
#include "api/milvus_service.h"
#include "api/rest_rows.h"
#include "common/result.h"

namespace strata::api::rest {

using nlohmann::json;
namespace spb = milvus::proto::schema;

// The request, parsed, and how to write rows back.
struct Call {
  const json& body;
  RowFormat format;
  MilvusService* service;
  std::string database;  // the body's dbName, or `default`
};

using Handler = json (*)(const Call&);
// Handlers by the path after /v2/vectordb/ ("collections/create").
using RouteTable = std::map<std::string, Handler, std::less<>>;

// Each group's handlers (rest_collections.cc, rest_names.cc, rest_entities.cc, rest_search.cc).
void AddCollectionRoutes(RouteTable& routes);  // collections/*, indexes/*
void AddNameRoutes(RouteTable& routes);        // partitions/*, aliases/*
void AddEntityRoutes(RouteTable& routes);      // entities/* but the searches
void AddSearchRoutes(RouteTable& routes);      // entities/search, entities/hybrid_search
void AddDatabaseRoutes(RouteTable& routes);    // databases/*

// What a search or query returns without a `limit`, as in Milvus.
inline constexpr int64_t kDefaultLimit = 100;

// The envelope: {"code": 0, "data": ...} or {"code": <Milvus code>, "message": ...}.
json Data(json data);
json Fail(const cpb::Status& status);
json Fail(const Status& status);
bool Failed(const cpb::Status& status);

#define REST_RETURN_IF_FAILED(status_proto) \
  do {                                      \
    const cpb::Status& s_ = (status_proto); \
    if (Failed(s_)) return Fail(s_);        \
  } while (0)

#define REST_ASSIGN_OR_FAIL(lhs, expr)                        \
  auto lhs##_result = (expr);                                 \
  if (!lhs##_result.ok()) return Fail(lhs##_result.status()); \
  auto lhs = std::move(lhs##_result).value()

// Runs one MilvusService call in process and returns its response; a request with a db_name
// field left empty is for the call's database.
template <typename Request, typename Response>
Response Invoke(const Call& c,
                grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*, Response*),
                const Request& request) {
  Response response;
  if constexpr (requires { request.db_name(); }) {
    if (request.db_name().empty() && c.database != kDefaultDatabase) {
      Request scoped = request;  // copied only for databases other than `default`
      scoped.set_db_name(c.database);
      (c.service->*rpc)(nullptr, &scoped, &response);
      return response;
    }
  }
  (c.service->*rpc)(nullptr, &request, &response);
  return response;
}

// The answer to a call that returns only a status: {} or the failure.
inline json Empty(const cpb::Status& status) {
  return Failed(status) ? Fail(status) : Data(json::object());
}

// The schema of collection `name` (or alias), by DescribeCollection; NotFound tagged
// kCollectionNotFound when there is none.
Result<spb::CollectionSchema> SchemaOf(const Call& c, const std::string& name);

// Request fields: InvalidArgument naming the key when present with the wrong type.
Result<std::string> RequiredString(const json& body, const char* key);
Result<std::string> OptionalString(const json& body, const char* key, std::string fallback = "");
// An integer given as a JSON integer or as a string of digits.
std::optional<int64_t> IntegerOf(const json& v);
Result<int64_t> OptionalInt(const json& body, const char* key, int64_t fallback);
Result<bool> OptionalBool(const json& body, const char* key, bool fallback);
Result<std::vector<std::string>> OptionalStrings(const json& body, const char* key);
// The body's `properties` object as Milvus's key-value pairs (values as text).
Result<KeyValuePairs> PropertiesOf(const json& body);
// A JSON scalar as Milvus's string parameters hold it ("128", "L2", "true").
std::string ParamText(const json& v);

// Milvus key-value pairs as REST answers them: [{"key": k, "value": v}, ...].
json KeyValueList(const KeyValuePairs& pairs);
// The value of `key` in Milvus key-value pairs, or "".
std::string ParamValue(const KeyValuePairs& pairs, const std::string& key);
// The answer to get_stats: the `row_count` of the statistics.
json RowCount(const KeyValuePairs& stats);

}  // namespace strata::api::rest
