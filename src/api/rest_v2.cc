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
    rest::AddSearchRoutes(*table);
    rest::AddDatabaseRoutes(*table);
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
  // The database every call of the request is for (clients send it on every request).
  auto database = rest::OptionalString(request, "dbName", std::string(kDefaultDatabase));
  if (!database.ok()) return rest::Fail(database.status()).dump();
  if (database->empty()) *database = kDefaultDatabase;
  rest::Call call{request, RowFormat{!allow_int64}, service_, std::move(*database)};
  return route->second(call).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace strata::api
