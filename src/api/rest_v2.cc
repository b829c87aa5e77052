#include "api/rest_v2.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/convert.h"
#include "api/rest_rows.h"
#include "api/status_mapping.h"

namespace strata::api {
namespace {

using nlohmann::json;
namespace spb = milvus::proto::schema;

// The request, parsed, and how to write rows back.
struct Call {
  const json& body;
  RowFormat format;
  MilvusService* service;
};

// What a search or query returns without a `limit`, as in Milvus.
constexpr int64_t kDefaultLimit = 100;

json Data(json data) { return json{{"code", 0}, {"data", std::move(data)}}; }

json Fail(const cpb::Status& status) {
  return json{{"code", status.code()}, {"message", status.reason()}};
}
json Fail(const Status& status) { return Fail(ToProto(status)); }

bool Failed(const cpb::Status& status) { return status.code() != 0 || status.error_code() != 0; }

#define REST_RETURN_IF_FAILED(status_proto) \
  do {                                      \
    const cpb::Status& s_ = (status_proto); \
    if (Failed(s_)) return Fail(s_);        \
  } while (0)

#define REST_ASSIGN_OR_FAIL(lhs, expr)                        \
  auto lhs##_result = (expr);                                 \
  if (!lhs##_result.ok()) return Fail(lhs##_result.status()); \
  auto lhs = std::move(lhs##_result).value()

Result<std::string> RequiredString(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
    return InvalidArgument(fmt::format("'{}' is required (a non-empty string)", key));
  return it->get<std::string>();
}

Result<std::string> OptionalString(const json& body, const char* key, std::string fallback = "") {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return fallback;
  if (!it->is_string()) return InvalidArgument(fmt::format("'{}' must be a string", key));
  return it->get<std::string>();
}

// An integer given as a JSON integer or as a string of digits.
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

// A JSON scalar as Milvus's string parameters hold it ("128", "L2", "true").
std::string ParamText(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// ---- collections -------------------------------------------------------------------------

Result<spb::DataType> ParseDataType(const json& v, const std::string& field) {
  spb::DataType type;
  if (!v.is_string() || !spb::DataType_Parse(v.get<std::string>(), &type) || type == spb::None)
    return InvalidArgument(fmt::format("field '{}' has no valid dataType", field));
  return type;
}

Result<spb::FieldSchema> FieldFromJson(const json& f, bool auto_id) {
  if (!f.is_object()) return InvalidArgument("each schema field must be an object");
  spb::FieldSchema out;
  ASSIGN_OR_RETURN(std::string name, RequiredString(f, "fieldName"));
  out.set_name(name);
  ASSIGN_OR_RETURN(spb::DataType type, ParseDataType(f.value("dataType", json()), name));
  out.set_data_type(type);
  ASSIGN_OR_RETURN(bool primary, OptionalBool(f, "isPrimary", false));
  out.set_is_primary_key(primary);
  out.set_autoid(primary && auto_id);
  ASSIGN_OR_RETURN(bool partition_key, OptionalBool(f, "isPartitionKey", false));
  out.set_is_partition_key(partition_key);
  ASSIGN_OR_RETURN(bool nullable, OptionalBool(f, "nullable", false));
  out.set_nullable(nullable);
  ASSIGN_OR_RETURN(std::string description, OptionalString(f, "description"));
  out.set_description(description);
  if (type == spb::Array) {
    ASSIGN_OR_RETURN(spb::DataType element,
                     ParseDataType(f.value("elementDataType", json()), name));
    out.set_element_type(element);
  }
  if (auto params = f.find("elementTypeParams"); params != f.end() && params->is_object())
    for (auto it = params->begin(); it != params->end(); ++it) {
      auto* kv = out.add_type_params();
      kv->set_key(it.key());
      kv->set_value(ParamText(it.value()));
    }
  return out;
}

// The quick setup's schema: a primary key and one float vector field, and the dynamic field.
Result<spb::CollectionSchema> QuickSchema(const json& body, const std::string& name) {
  ASSIGN_OR_RETURN(int64_t dim, OptionalInt(body, "dimension", 0));
  if (dim <= 0)
    return InvalidArgument("'dimension' is required (a positive integer) without a schema");
  ASSIGN_OR_RETURN(std::string id_type, OptionalString(body, "idType", "Int64"));
  ASSIGN_OR_RETURN(bool auto_id, OptionalBool(body, "autoId", false));
  ASSIGN_OR_RETURN(std::string pk_name, OptionalString(body, "primaryFieldName", "id"));
  ASSIGN_OR_RETURN(std::string vector_name, OptionalString(body, "vectorFieldName", "vector"));
  spb::CollectionSchema schema;
  schema.set_name(name);
  schema.set_enable_dynamic_field(true);
  spb::FieldSchema* pk = schema.add_fields();
  pk->set_name(pk_name);
  pk->set_is_primary_key(true);
  pk->set_autoid(auto_id);
  if (id_type == "Int64") {
    pk->set_data_type(spb::Int64);
  } else if (id_type == "VarChar") {
    pk->set_data_type(spb::VarChar);
    std::string max_length = "65535";
    if (auto params = body.find("params"); params != body.end() && params->contains("max_length"))
      max_length = ParamText((*params)["max_length"]);
    auto* kv = pk->add_type_params();
    kv->set_key("max_length");
    kv->set_value(max_length);
  } else {
    return InvalidArgument("'idType' must be Int64 or VarChar, not '" + id_type + "'");
  }
  spb::FieldSchema* vec = schema.add_fields();
  vec->set_name(vector_name);
  vec->set_data_type(spb::FloatVector);
  auto* kv = vec->add_type_params();
  kv->set_key("dim");
  kv->set_value(std::to_string(dim));
  return schema;
}

Result<spb::CollectionSchema> CustomSchema(const json& s, const std::string& name) {
  if (!s.is_object()) return InvalidArgument("'schema' must be an object");
  spb::CollectionSchema schema;
  schema.set_name(name);
  ASSIGN_OR_RETURN(bool auto_id, OptionalBool(s, "autoID", false));
  schema.set_autoid(auto_id);
  ASSIGN_OR_RETURN(bool dynamic, OptionalBool(s, "enableDynamicField", false));
  schema.set_enable_dynamic_field(dynamic);
  auto fields = s.find("fields");
  if (fields == s.end() || !fields->is_array() || fields->empty())
    return InvalidArgument("'schema.fields' must be a non-empty array");
  for (const json& f : *fields) {
    ASSIGN_OR_RETURN(spb::FieldSchema field, FieldFromJson(f, auto_id));
    *schema.add_fields() = std::move(field);
  }
  return schema;
}

Result<cpb::ConsistencyLevel> ParseConsistency(const json& body) {
  cpb::ConsistencyLevel level = cpb::Bounded;
  auto params = body.find("params");
  if (params == body.end() || !params->is_object() || !params->contains("consistencyLevel"))
    return level;
  const json& v = (*params)["consistencyLevel"];
  if (!v.is_string() || !cpb::ConsistencyLevel_Parse(v.get<std::string>(), &level))
    return InvalidArgument(
        "'params.consistencyLevel' must be Strong, Session, Bounded or Eventually");
  return level;
}

json CreateIndexes(const Call& c, const std::string& collection, const json& list);

json CollectionsCreate(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  const bool custom = c.body.contains("schema");
  Result<spb::CollectionSchema> schema =
      custom ? CustomSchema(c.body["schema"], name) : QuickSchema(c.body, name);
  if (!schema.ok()) return Fail(schema.status());
  REST_ASSIGN_OR_FAIL(consistency, ParseConsistency(c.body));
  // Checked before anything is created, so a bad request leaves no collection behind.
  if (auto list = c.body.find("indexParams"); custom && list != c.body.end()) {
    if (!list->is_array() || list->empty())
      return Fail(InvalidArgument("'indexParams' must be a non-empty array"));
    for (const json& p : *list) {
      if (!p.is_object()) return Fail(InvalidArgument("each of 'indexParams' must be an object"));
      REST_ASSIGN_OR_FAIL(field, RequiredString(p, "fieldName"));
      bool known = false;
      for (const spb::FieldSchema& f : schema->fields()) known = known || f.name() == field;
      if (!known) return Fail(InvalidArgument("indexParams names no field '" + field + "'"));
    }
  }
  mpb::CreateCollectionRequest request;
  request.set_collection_name(name);
  request.set_schema(schema->SerializeAsString());
  request.set_consistency_level(consistency);
  if (auto params = c.body.find("params"); params != c.body.end() && params->is_object()) {
    REST_ASSIGN_OR_FAIL(shards, OptionalInt(*params, "shardsNum", 1));
    REST_ASSIGN_OR_FAIL(partitions, OptionalInt(*params, "partitionsNum", 0));
    request.set_shards_num(static_cast<int32_t>(shards));
    request.set_num_partitions(partitions);
  }
  cpb::Status status;
  c.service->CreateCollection(nullptr, &request, &status);
  REST_RETURN_IF_FAILED(status);

  // The quick setup indexes its vector field and loads; a custom schema does when it comes
  // with indexParams.
  json indexes = custom ? c.body.value("indexParams", json()) : json::array();
  if (!custom) {
    REST_ASSIGN_OR_FAIL(metric, OptionalString(c.body, "metricType", "COSINE"));
    indexes.push_back({{"fieldName", schema->fields(1).name()},
                       {"indexName", schema->fields(1).name()},
                       {"metricType", metric},
                       {"indexType", "AUTOINDEX"}});
  }
  if (indexes.is_null()) return Data(json::object());
  json created = CreateIndexes(c, name, indexes);
  if (created["code"] != 0) return created;
  mpb::LoadCollectionRequest load;
  load.set_collection_name(name);
  c.service->LoadCollection(nullptr, &load, &status);
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json CollectionsList(const Call& c) {
  mpb::ShowCollectionsRequest request;
  mpb::ShowCollectionsResponse response;
  c.service->ShowCollections(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  json names = json::array();
  for (const std::string& n : response.collection_names()) names.push_back(n);
  return Data(names);
}

json CollectionsHas(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::HasCollectionRequest request;
  request.set_collection_name(name);
  mpb::BoolResponse response;
  c.service->HasCollection(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"has", response.value()}});
}

// The load state's name, as the REST API reports it ("LoadStateLoaded").
Result<std::string> LoadState(const Call& c, const std::string& name) {
  mpb::GetLoadStateRequest request;
  request.set_collection_name(name);
  mpb::GetLoadStateResponse response;
  c.service->GetLoadState(nullptr, &request, &response);
  if (Failed(response.status())) return Status(StatusCode::kNotFound, response.status().reason());
  return cpb::LoadState_Name(response.state());
}

// The collection's indexes (all of them when `index_name` is empty), or why there are none.
mpb::DescribeIndexResponse Indexes(const Call& c, const std::string& collection,
                                   const std::string& index_name) {
  mpb::DescribeIndexRequest request;
  request.set_collection_name(collection);
  request.set_index_name(index_name);
  mpb::DescribeIndexResponse response;
  c.service->DescribeIndex(nullptr, &request, &response);
  return response;
}

std::string ParamValue(const KeyValuePairs& pairs, const std::string& key) {
  for (const auto& kv : pairs)
    if (kv.key() == key) return kv.value();
  return "";
}

// The answer to get_stats: the `row_count` of the statistics.
json RowCount(const KeyValuePairs& stats) {
  return Data({{"rowCount", IntegerOf(ParamValue(stats, "row_count")).value_or(0)}});
}

json CollectionsDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::DescribeCollectionRequest request;
  request.set_collection_name(name);
  mpb::DescribeCollectionResponse response;
  c.service->DescribeCollection(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  const spb::CollectionSchema& schema = response.schema();
  json fields = json::array();
  bool auto_id = false;
  for (const spb::FieldSchema& f : schema.fields()) {
    if (f.is_dynamic()) continue;
    json params = json::array();
    for (const auto& kv : f.type_params())
      params.push_back({{"key", kv.key()}, {"value", kv.value()}});
    json field = {{"name", f.name()},
                  {"type", spb::DataType_Name(f.data_type())},
                  {"primaryKey", f.is_primary_key()},
                  {"autoId", f.autoid()},
                  {"partitionKey", f.is_partition_key()},
                  {"nullable", f.nullable()},
                  {"description", f.description()},
                  {"id", f.fieldid()},
                  {"params", std::move(params)}};
    if (f.data_type() == spb::Array) field["elementType"] = spb::DataType_Name(f.element_type());
    if (f.is_primary_key()) auto_id = f.autoid();
    fields.push_back(std::move(field));
  }
  json indexes = json::array();
  if (mpb::DescribeIndexResponse described = Indexes(c, name, ""); !Failed(described.status()))
    for (const mpb::IndexDescription& index : described.index_descriptions())
      indexes.push_back({{"fieldName", index.field_name()},
                         {"indexName", index.index_name()},
                         {"metricType", ParamValue(index.params(), "metric_type")}});
  REST_ASSIGN_OR_FAIL(load, LoadState(c, name));
  json properties = json::array();
  for (const auto& kv : response.properties())
    properties.push_back({{"key", kv.key()}, {"value", kv.value()}});
  return Data({{"collectionName", response.collection_name()},
               {"collectionID", response.collectionid()},
               {"description", schema.description()},
               {"autoId", auto_id},
               {"enableDynamicField", schema.enable_dynamic_field()},
               {"fields", std::move(fields)},
               {"indexes", std::move(indexes)},
               {"load", load},
               {"shardsNum", response.shards_num()},
               {"partitionsNum", response.num_partitions()},
               {"consistencyLevel", cpb::ConsistencyLevel_Name(response.consistency_level())},
               {"properties", std::move(properties)},
               {"aliases", response.aliases()}});
}

// A call that names a collection and answers only a status.
template <typename Request>
json StatusCall(const Call& c,
                grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*, cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  Request request;
  request.set_collection_name(name);
  cpb::Status status;
  (c.service->*rpc)(nullptr, &request, &status);
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json CollectionsDrop(const Call& c) { return StatusCall(c, &MilvusService::DropCollection); }
json CollectionsLoad(const Call& c) { return StatusCall(c, &MilvusService::LoadCollection); }
json CollectionsRelease(const Call& c) { return StatusCall(c, &MilvusService::ReleaseCollection); }

json CollectionsLoadState(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::GetLoadStateRequest request;
  request.set_collection_name(name);
  mpb::GetLoadStateResponse response;
  c.service->GetLoadState(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  json data = {{"loadState", cpb::LoadState_Name(response.state())}};
  if (response.state() == cpb::LoadStateLoaded) data["loadProgress"] = 100;
  return Data(std::move(data));
}

json CollectionsStats(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::GetCollectionStatisticsRequest request;
  request.set_collection_name(name);
  mpb::GetCollectionStatisticsResponse response;
  c.service->GetCollectionStatistics(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  return RowCount(response.stats());
}

json CollectionsFlush(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::FlushRequest request;
  request.add_collection_names(name);
  mpb::FlushResponse response;
  c.service->Flush(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  return Data(json::object());
}

// ---- indexes -------------------------------------------------------------------------------

json CreateIndexes(const Call& c, const std::string& collection, const json& list) {
  if (!list.is_array() || list.empty())
    return Fail(InvalidArgument("'indexParams' must be a non-empty array"));
  for (const json& p : list) {
    if (!p.is_object()) return Fail(InvalidArgument("each of 'indexParams' must be an object"));
    REST_ASSIGN_OR_FAIL(field, RequiredString(p, "fieldName"));
    REST_ASSIGN_OR_FAIL(index_name, OptionalString(p, "indexName", field));
    REST_ASSIGN_OR_FAIL(index_type, OptionalString(p, "indexType", "AUTOINDEX"));
    REST_ASSIGN_OR_FAIL(metric, OptionalString(p, "metricType", ""));
    mpb::CreateIndexRequest request;
    request.set_collection_name(collection);
    request.set_field_name(field);
    request.set_index_name(index_name);
    AddPair(request.mutable_extra_params(), "index_type", index_type);
    if (!metric.empty()) AddPair(request.mutable_extra_params(), "metric_type", metric);
    json params = p.value("params", json::object());
    if (!params.is_object())
      return Fail(InvalidArgument("'indexParams[].params' must be an object"));
    params.erase("index_type");  // some clients repeat it there
    AddPair(request.mutable_extra_params(), "params", params.dump());
    cpb::Status status;
    c.service->CreateIndex(nullptr, &request, &status);
    REST_RETURN_IF_FAILED(status);
  }
  return Data(json::object());
}

json IndexesCreate(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  return CreateIndexes(c, name, c.body.value("indexParams", json()));
}

json IndexesList(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::DescribeIndexResponse described = Indexes(c, name, "");
  json names = json::array();
  // No index is an answer here, not an error.
  if (Failed(described.status()) && described.status().code() != kCodeIndexNotFound)
    return Fail(described.status());
  for (const mpb::IndexDescription& index : described.index_descriptions())
    names.push_back(index.index_name());
  return Data(names);
}

json IndexesDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(index_name, RequiredString(c.body, "indexName"));
  mpb::DescribeIndexResponse described = Indexes(c, name, index_name);
  REST_RETURN_IF_FAILED(described.status());
  json out = json::array();
  for (const mpb::IndexDescription& index : described.index_descriptions()) {
    json params = json::parse(ParamValue(index.params(), "params"), nullptr, false);
    out.push_back({{"fieldName", index.field_name()},
                   {"indexName", index.index_name()},
                   {"indexType", ParamValue(index.params(), "index_type")},
                   {"metricType", ParamValue(index.params(), "metric_type")},
                   {"indexState", cpb::IndexState_Name(index.state())},
                   {"indexedRows", index.indexed_rows()},
                   {"totalRows", index.total_rows()},
                   {"pendingRows", index.pending_index_rows()},
                   {"failReason", index.index_state_fail_reason()},
                   {"params", params.is_discarded() ? json::object() : params}});
  }
  return Data(std::move(out));
}

json IndexesDrop(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(index_name, RequiredString(c.body, "indexName"));
  mpb::DropIndexRequest request;
  request.set_collection_name(name);
  request.set_index_name(index_name);
  cpb::Status status;
  c.service->DropIndex(nullptr, &request, &status);
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

// ---- partitions ----------------------------------------------------------------------------

// Runs `rpc` for the collection and the partition (`partitionName`) the body names; the
// error to answer when it names none.
template <typename Request, typename Response>
std::optional<json> CallForPartition(const Call& c,
                                     grpc::Status (MilvusService::*rpc)(ServerContext*,
                                                                        const Request*, Response*),
                                     Response* response) {
  Result<std::string> name = RequiredString(c.body, "collectionName");
  if (!name.ok()) return Fail(name.status());
  Result<std::string> partition = RequiredString(c.body, "partitionName");
  if (!partition.ok()) return Fail(partition.status());
  Request request;
  request.set_collection_name(*name);
  request.set_partition_name(*partition);
  (c.service->*rpc)(nullptr, &request, response);
  return std::nullopt;
}

json PartitionsCreate(const Call& c) {
  cpb::Status status;
  if (auto bad = CallForPartition(c, &MilvusService::CreatePartition, &status)) return *bad;
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json PartitionsDrop(const Call& c) {
  cpb::Status status;
  if (auto bad = CallForPartition(c, &MilvusService::DropPartition, &status)) return *bad;
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json PartitionsHas(const Call& c) {
  mpb::BoolResponse response;
  if (auto bad = CallForPartition(c, &MilvusService::HasPartition, &response)) return *bad;
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"has", response.value()}});
}

json PartitionsStats(const Call& c) {
  mpb::GetPartitionStatisticsResponse response;
  if (auto bad = CallForPartition(c, &MilvusService::GetPartitionStatistics, &response))
    return *bad;
  REST_RETURN_IF_FAILED(response.status());
  return RowCount(response.stats());
}

json PartitionsList(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::ShowPartitionsRequest request;
  request.set_collection_name(name);
  mpb::ShowPartitionsResponse response;
  c.service->ShowPartitions(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  json names = json::array();
  for (const std::string& n : response.partition_names()) names.push_back(n);
  return Data(names);
}

// Load or release the partitions `partitionNames`.
template <typename Request>
json PartitionsLoadOrRelease(const Call& c,
                             grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*,
                                                                cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  if (partitions.empty())
    return Fail(InvalidArgument("'partitionNames' is required (a non-empty array of names)"));
  Request request;
  request.set_collection_name(name);
  for (const std::string& p : partitions) request.add_partition_names(p);
  cpb::Status status;
  (c.service->*rpc)(nullptr, &request, &status);
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json PartitionsLoad(const Call& c) {
  return PartitionsLoadOrRelease(c, &MilvusService::LoadPartitions);
}
json PartitionsRelease(const Call& c) {
  return PartitionsLoadOrRelease(c, &MilvusService::ReleasePartitions);
}

// ---- aliases -------------------------------------------------------------------------------

// Create (`alter` false) or alter an alias: `aliasName` for `collectionName`.
json CreateOrAlterAlias(const Call& c, bool alter) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  cpb::Status status;
  if (alter) {
    mpb::AlterAliasRequest request;
    request.set_collection_name(name);
    request.set_alias(alias);
    c.service->AlterAlias(nullptr, &request, &status);
  } else {
    mpb::CreateAliasRequest request;
    request.set_collection_name(name);
    request.set_alias(alias);
    c.service->CreateAlias(nullptr, &request, &status);
  }
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json AliasesCreate(const Call& c) { return CreateOrAlterAlias(c, false); }
json AliasesAlter(const Call& c) { return CreateOrAlterAlias(c, true); }

json AliasesDrop(const Call& c) {
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  mpb::DropAliasRequest request;
  request.set_alias(alias);
  cpb::Status status;
  c.service->DropAlias(nullptr, &request, &status);
  REST_RETURN_IF_FAILED(status);
  return Data(json::object());
}

json AliasesDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(alias, RequiredString(c.body, "aliasName"));
  mpb::DescribeAliasRequest request;
  request.set_alias(alias);
  mpb::DescribeAliasResponse response;
  c.service->DescribeAlias(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"aliasName", response.alias()},
               {"collectionName", response.collection()},
               {"dbName", response.db_name()}});
}

json AliasesList(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, OptionalString(c.body, "collectionName"));
  mpb::ListAliasesRequest request;
  request.set_collection_name(name);
  mpb::ListAliasesResponse response;
  c.service->ListAliases(nullptr, &request, &response);
  REST_RETURN_IF_FAILED(response.status());
  return Data(response.aliases());
}

// ---- entities ------------------------------------------------------------------------------

Result<spb::CollectionSchema> SchemaOf(const Call& c, const std::string& name) {
  mpb::DescribeCollectionRequest request;
  request.set_collection_name(name);
  mpb::DescribeCollectionResponse response;
  c.service->DescribeCollection(nullptr, &request, &response);
  if (Failed(response.status()))
    return Status(StatusCode::kNotFound, response.status().reason(), ErrorTag::kCollectionNotFound);
  return response.schema();
}

json IdList(const spb::IDs& ids, const RowFormat& format) {
  json out = json::array();
  if (ids.has_int_id())
    for (int64_t id : ids.int_id().data()) out.push_back(Int64Value(id, format));
  else
    for (const std::string& id : ids.str_id().data()) out.push_back(id);
  return out;
}

template <typename Request>
json WriteRows(const Call& c, bool upsert) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(partition, OptionalString(c.body, "partitionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  REST_ASSIGN_OR_FAIL(columns, FieldDataFromRows(schema, c.body.value("data", json()), upsert));
  Request request;
  request.set_collection_name(name);
  request.set_partition_name(partition);
  request.set_num_rows(static_cast<uint32_t>(c.body["data"].size()));
  for (auto& column : columns) *request.add_fields_data() = std::move(column);
  mpb::MutationResult result;
  if constexpr (std::is_same_v<Request, mpb::UpsertRequest>)
    c.service->Upsert(nullptr, &request, &result);
  else
    c.service->Insert(nullptr, &request, &result);
  REST_RETURN_IF_FAILED(result.status());
  if (upsert)
    return Data(
        {{"upsertCount", result.upsert_cnt()}, {"upsertIds", IdList(result.ids(), c.format)}});
  return Data(
      {{"insertCount", result.insert_cnt()}, {"insertIds", IdList(result.ids(), c.format)}});
}

json EntitiesInsert(const Call& c) { return WriteRows<mpb::InsertRequest>(c, false); }
json EntitiesUpsert(const Call& c) { return WriteRows<mpb::UpsertRequest>(c, true); }

json EntitiesDelete(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(filter, RequiredString(c.body, "filter"));
  REST_ASSIGN_OR_FAIL(partition, OptionalString(c.body, "partitionName"));
  mpb::DeleteRequest request;
  request.set_collection_name(name);
  request.set_expr(filter);
  request.set_partition_name(partition);
  mpb::MutationResult result;
  c.service->Delete(nullptr, &request, &result);
  REST_RETURN_IF_FAILED(result.status());
  return Data(json::object());
}

// Rows of columns that each hold `rows` values, in order.
json RowsOf(const google::protobuf::RepeatedPtrField<spb::FieldData>& columns, int64_t rows,
            const RowFormat& format) {
  json out = json::array();
  for (int64_t r = 0; r < rows; ++r) {
    json row = json::object();
    for (const spb::FieldData& column : columns) AddRowValue(column, r, format, &row);
    out.push_back(std::move(row));
  }
  return out;
}

// A query (`limit` rows at most) or a get (every row of its keys).
json RunQuery(const Call& c, const std::string& name, const std::string& filter,
              int64_t default_limit) {
  REST_ASSIGN_OR_FAIL(output, OptionalStrings(c.body, "outputFields"));
  if (output.empty()) output = {"*"};
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  // count(*) counts every row; it takes no limit.
  const bool count = output == std::vector<std::string>{"count(*)"};
  REST_ASSIGN_OR_FAIL(limit, OptionalInt(c.body, "limit", count ? 0 : default_limit));
  REST_ASSIGN_OR_FAIL(offset, OptionalInt(c.body, "offset", 0));
  mpb::QueryRequest request;
  request.set_collection_name(name);
  request.set_expr(filter);
  for (const std::string& f : output) request.add_output_fields(f);
  for (const std::string& p : partitions) request.add_partition_names(p);
  if (limit > 0) AddPair(request.mutable_query_params(), "limit", std::to_string(limit));
  if (offset > 0) AddPair(request.mutable_query_params(), "offset", std::to_string(offset));
  mpb::QueryResults results;
  c.service->Query(nullptr, &request, &results);
  REST_RETURN_IF_FAILED(results.status());
  const int64_t rows = results.fields_data().empty() ? 0 : ColumnRows(results.fields_data(0));
  return Data(RowsOf(results.fields_data(), rows, c.format));
}

json EntitiesQuery(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(filter, OptionalString(c.body, "filter"));
  return RunQuery(c, name, filter, kDefaultLimit);
}

// The filter `pk in [...]` for the `id` of a get (one key or a list).
Result<std::string> KeyFilter(const spb::CollectionSchema& schema, const json& id) {
  const spb::FieldSchema* pk = nullptr;
  for (const spb::FieldSchema& f : schema.fields())
    if (f.is_primary_key()) pk = &f;
  if (pk == nullptr) return Internal("the collection has no primary key");
  json ids = id.is_array() ? id : json::array({id});
  if (ids.empty() || id.is_null())
    return InvalidArgument("'id' is required (a key or a list of keys)");
  std::string list;
  for (const json& v : ids) {
    if (!list.empty()) list += ", ";
    if (pk->data_type() == spb::VarChar) {
      if (!v.is_string())
        return InvalidArgument("'id' must hold strings: the primary key is VarChar");
      list += json(v.get<std::string>()).dump();
    } else if (v.is_number_integer()) {
      list += std::to_string(v.get<int64_t>());
    } else if (v.is_string() && !v.get_ref<const std::string&>().empty() &&
               v.get_ref<const std::string&>().find_first_not_of("-0123456789") ==
                   std::string::npos) {
      list += v.get<std::string>();
    } else {
      return InvalidArgument("'id' must hold integers: the primary key is Int64");
    }
  }
  return pk->name() + " in [" + list + "]";
}

json EntitiesGet(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  REST_ASSIGN_OR_FAIL(filter, KeyFilter(schema, c.body.value("id", json())));
  return RunQuery(c, name, filter, 0);
}

// The PlaceholderGroup of the query vectors in `data` for field `field`.
Result<std::string> Placeholders(const json& data, const spb::FieldSchema& field) {
  if (!data.is_array() || data.empty())
    return InvalidArgument("'data' must be a non-empty array of vectors");
  cpb::PlaceholderGroup group;
  cpb::PlaceholderValue* value = group.add_placeholders();
  value->set_tag("$0");
  const bool binary = field.data_type() == spb::BinaryVector;
  value->set_type(binary ? cpb::PlaceholderType::BinaryVector : cpb::PlaceholderType::FloatVector);
  for (const json& vector : data) {
    if (!vector.is_array()) return InvalidArgument("'data' must be an array of vectors (arrays)");
    std::string bytes;
    for (const json& x : vector) {
      if (binary) {
        if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > 255)
          return InvalidArgument("a binary query vector holds bytes (integers 0-255)");
        bytes.push_back(static_cast<char>(x.get<int64_t>()));
      } else {
        if (!x.is_number()) return InvalidArgument("a query vector holds numbers");
        float f = x.get<float>();
        bytes.append(reinterpret_cast<const char*>(&f), sizeof f);
      }
    }
    value->add_values(std::move(bytes));
  }
  return group.SerializeAsString();
}

json EntitiesSearch(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  REST_ASSIGN_OR_FAIL(anns_field, OptionalString(c.body, "annsField"));
  const spb::FieldSchema* field = nullptr;
  const spb::FieldSchema* pk = nullptr;
  for (const spb::FieldSchema& f : schema.fields()) {
    if (f.is_primary_key()) pk = &f;
    const bool vector = f.data_type() == spb::FloatVector || f.data_type() == spb::BinaryVector;
    if (vector && (anns_field.empty() || f.name() == anns_field) && field == nullptr) field = &f;
  }
  if (pk == nullptr) return Fail(Internal("the collection has no primary key"));
  if (field == nullptr)
    return Fail(InvalidArgument(anns_field.empty() ? "the collection has no vector field"
                                                   : "no vector field '" + anns_field + "'"));
  REST_ASSIGN_OR_FAIL(placeholders, Placeholders(c.body.value("data", json()), *field));
  REST_ASSIGN_OR_FAIL(limit, OptionalInt(c.body, "limit", kDefaultLimit));
  REST_ASSIGN_OR_FAIL(offset, OptionalInt(c.body, "offset", 0));
  REST_ASSIGN_OR_FAIL(filter, OptionalString(c.body, "filter"));
  REST_ASSIGN_OR_FAIL(output, OptionalStrings(c.body, "outputFields"));
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  json search_params = c.body.value("searchParams", json::object());
  if (!search_params.is_object()) return Fail(InvalidArgument("'searchParams' must be an object"));

  mpb::SearchRequest request;
  request.set_collection_name(name);
  request.set_dsl(filter);
  request.set_dsl_type(cpb::BoolExprV1);
  request.set_placeholder_group(placeholders);
  request.set_nq(static_cast<int64_t>(c.body["data"].size()));
  for (const std::string& f : output) request.add_output_fields(f);
  for (const std::string& p : partitions) request.add_partition_names(p);
  auto* params = request.mutable_search_params();
  AddPair(params, "anns_field", field->name());
  AddPair(params, "topk", std::to_string(limit));
  if (offset > 0) AddPair(params, "offset", std::to_string(offset));
  if (auto metric = search_params.find("metricType"); metric != search_params.end())
    AddPair(params, "metric_type", ParamText(*metric));
  if (auto group = c.body.find("groupingField"); group != c.body.end()) {
    AddPair(params, "group_by_field", ParamText(*group));
    REST_ASSIGN_OR_FAIL(group_size, OptionalInt(c.body, "groupSize", 1));
    REST_ASSIGN_OR_FAIL(strict, OptionalBool(c.body, "strictGroupSize", false));
    AddPair(params, "group_size", std::to_string(group_size));
    AddPair(params, "strict_group_size", strict ? "true" : "false");
  }
  json inner = search_params.value("params", json::object());
  for (const char* key : {"radius", "range_filter"})
    if (search_params.contains(key)) inner[key] = search_params[key];
  AddPair(params, "params", inner.dump());
  mpb::SearchResults results;
  c.service->Search(nullptr, &request, &results);
  REST_RETURN_IF_FAILED(results.status());

  // One flat list of hits, query after query; `topks` says how many each query has.
  const spb::SearchResultData& r = results.results();
  json hits = json::array();
  json topks = json::array();
  int64_t at = 0;
  for (int64_t k : r.topks()) {
    topks.push_back(k);
    for (int64_t j = 0; j < k; ++j, ++at) {
      json row = json::object();
      for (const spb::FieldData& column : r.fields_data()) AddRowValue(column, at, c.format, &row);
      if (r.ids().has_int_id())
        row[pk->name()] = Int64Value(r.ids().int_id().data(static_cast<int>(at)), c.format);
      else if (r.ids().has_str_id())
        row[pk->name()] = r.ids().str_id().data(static_cast<int>(at));
      row["distance"] = r.scores(static_cast<int>(at));
      hits.push_back(std::move(row));
    }
  }
  json out = Data(std::move(hits));
  out["topks"] = std::move(topks);
  return out;
}

using Handler = json (*)(const Call&);

const std::map<std::string, Handler, std::less<>>& Routes() {
  static const auto* routes = new std::map<std::string, Handler, std::less<>>{
      {"collections/create", CollectionsCreate},
      {"collections/list", CollectionsList},
      {"collections/has", CollectionsHas},
      {"collections/describe", CollectionsDescribe},
      {"collections/drop", CollectionsDrop},
      {"collections/load", CollectionsLoad},
      {"collections/release", CollectionsRelease},
      {"collections/get_load_state", CollectionsLoadState},
      {"collections/get_stats", CollectionsStats},
      {"collections/flush", CollectionsFlush},
      {"entities/insert", EntitiesInsert},
      {"entities/upsert", EntitiesUpsert},
      {"entities/delete", EntitiesDelete},
      {"entities/query", EntitiesQuery},
      {"entities/get", EntitiesGet},
      {"entities/search", EntitiesSearch},
      {"partitions/create", PartitionsCreate},
      {"partitions/drop", PartitionsDrop},
      {"partitions/has", PartitionsHas},
      {"partitions/list", PartitionsList},
      {"partitions/load", PartitionsLoad},
      {"partitions/release", PartitionsRelease},
      {"partitions/get_stats", PartitionsStats},
      {"aliases/create", AliasesCreate},
      {"aliases/alter", AliasesAlter},
      {"aliases/drop", AliasesDrop},
      {"aliases/describe", AliasesDescribe},
      {"aliases/list", AliasesList},
      {"indexes/create", IndexesCreate},
      {"indexes/list", IndexesList},
      {"indexes/describe", IndexesDescribe},
      {"indexes/drop", IndexesDrop},
  };
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
                {"message", fmt::format("database not found[database={}]", ParamText(*db))}}
        .dump();
  Call call{request, RowFormat{!allow_int64}, service_};
  return route->second(call).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace strata::api
