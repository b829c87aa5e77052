#include "api/rest_v2.h"

#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api {
namespace {

using rest::json;

const rest::RouteTable& Routes() {
  static const rest::RouteTable* routes = [] {
    auto* table = new rest::RouteTable;
    rest::AddCollectionRoutes(*table);
    rest::AddNameRoutes(*table);
    rest::AddEntityRoutes(*table);
    return table;
  }();
  return *routes;
}

}  // namespace

std::string RestV2::Handle(std::string_view path, std::string_view body, bool allow_int64) const {
  constexpr std::string_view kPrefix = "/v2/vectordb/";
  auto route =
      path.starts_with(kPrefix) ? Routes().find(path.substr(kPrefix.size())) : Routes().end();
  if (route == Routes().end())
    return json{{"code", kCodeRestPathNotFound},
                {"message", fmt::format("no such REST v2 endpoint: {}", path)}}
        .dump();
  // Clients send bodies as text/plain too (the Node SDK does): parse whatever the header says.
  json request = json::parse(body.empty() ? std::string_view("{}") : body, nullptr, false);
  if (request.is_discarded() || !request.is_object())
    return json{{"code", kCodeRestBadJson}, {"message", "the request body is not a JSON object"}}
        .dump();
  // One database, "default", as the gRPC API has (clients send its name on every request).
  if (auto db = request.find("dbName"); db != request.end() && !db->is_null() &&
                                        (!db->is_string() || (*db != "" && *db != "default")))
    return json{{"code", kCodeDatabaseNotFound},
                {"message", fmt::format("database not found[database={}]", rest::ParamText(*db))}}
        .dump();
  rest::Call call{request, RowFormat{!allow_int64}, service_};
  return route->second(call).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace strata::api
