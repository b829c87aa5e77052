#include "api/rest_call.h"

#include <fmt/format.h>

#include <charconv>

#include "api/status_mapping.h"

namespace strata::api::rest {

json Data(json data) { return json{{"code", 0}, {"data", std::move(data)}}; }

json Fail(const cpb::Status& status) {
  return json{{"code", status.code()}, {"message", status.reason()}};
}

json Fail(const Status& status) { return Fail(ToProto(status)); }

bool Failed(const cpb::Status& status) { return status.code() != 0 || status.error_code() != 0; }

Result<std::string> RequiredString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return InvalidArgument(fmt::format("'{}' is required (a non-empty string)", key));
  return it->get<std::string>();
}

Result<std::string> OptionalString(const json& body, const char* key, std::string fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) return InvalidArgument(fmt::format("'{}' must be a string", key));
  return it->get<std::string>();
}

std::optional<int64_t> IntegerOf(const json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (!v.is_string()) return std::nullopt;
  const std::string& text = v.get_ref<const std::string&>();
  int64_t out = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return out;
}

Result<int64_t> OptionalInt(const json& body, const char* key, int64_t fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (std::optional<int64_t> v = IntegerOf(*it)) return *v;
  return InvalidArgument(fmt::format("'{}' must be an integer", key));
}

Result<bool> OptionalBool(const json& body, const char* key, bool fallback) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) return InvalidArgument(fmt::format("'{}' must be true or false", key));
  return it->get<bool>();
}

Result<spb::CollectionSchema> SchemaOf(const Call& c, const std::string& name) {
  mpb::DescribeCollectionRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::DescribeCollection, request);
  if (Failed(response.status()))
    return Status(StatusCode::kNotFound, response.status().reason(), ErrorTag::kCollectionNotFound);
  return response.schema();
}

Result<std::vector<std::string>> OptionalStrings(const json& body, const char* key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) return InvalidArgument(fmt::format("'{}' must be an array of strings", key));
  for (const json& v : *it) {
    if (!v.is_string())
      return InvalidArgument(fmt::format("'{}' must be an array of strings", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::string ParamText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

Result<KeyValuePairs> PropertiesOf(const json& body) {
  KeyValuePairs out;
  auto it = body.find("properties");
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_object()) return InvalidArgument("'properties' must be an object");
  for (const auto& [key, value] : it->items()) AddPair(&out, key, ParamText(value));
  return out;
}

json KeyValueList(const KeyValuePairs& pairs) {
  json out = json::array();
  for (const auto& kv : pairs) out.push_back({{"key", kv.key()}, {"value", kv.value()}});
  return out;
}

std::string ParamValue(const KeyValuePairs& pairs, const std::string& key) {
  for (const auto& kv : pairs)
    if (kv.key() == key) return kv.value();
  return "";
}

json RowCount(const KeyValuePairs& stats) {
  return Data({{"rowCount", IntegerOf(ParamValue(stats, "row_count")).value_or(0)}});
}

}  // namespace strata::api::rest
