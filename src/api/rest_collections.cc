// REST API v2: collections/* and indexes/*.
#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api::rest {
namespace {

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
  REST_RETURN_IF_FAILED(Invoke(c, &MilvusService::CreateCollection, request));

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
  return Empty(Invoke(c, &MilvusService::LoadCollection, load));
}

json CollectionsList(const Call& c) {
  mpb::ShowCollectionsRequest request;
  const auto response = Invoke(c, &MilvusService::ShowCollections, request);
  REST_RETURN_IF_FAILED(response.status());
  json names = json::array();
  for (const std::string& n : response.collection_names()) names.push_back(n);
  return Data(names);
}

json CollectionsHas(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::HasCollectionRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::HasCollection, request);
  REST_RETURN_IF_FAILED(response.status());
  return Data({{"has", response.value()}});
}

// The load state's name, as the REST API reports it ("LoadStateLoaded").
Result<std::string> LoadState(const Call& c, const std::string& name) {
  mpb::GetLoadStateRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::GetLoadState, request);
  if (Failed(response.status())) return Status(StatusCode::kNotFound, response.status().reason());
  return cpb::LoadState_Name(response.state());
}

// The collection's indexes (all of them when `index_name` is empty), or why there are none.
mpb::DescribeIndexResponse Indexes(const Call& c, const std::string& collection,
                                   const std::string& index_name) {
  mpb::DescribeIndexRequest request;
  request.set_collection_name(collection);
  request.set_index_name(index_name);
  const auto response = Invoke(c, &MilvusService::DescribeIndex, request);
  return response;
}

json CollectionsDescribe(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::DescribeCollectionRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::DescribeCollection, request);
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
               {"properties", KeyValueList(response.properties())},
               {"aliases", response.aliases()}});
}

// A call that names a collection and answers only a status.
template <typename Request>
json StatusCall(const Call& c,
                grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*, cpb::Status*)) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  Request request;
  request.set_collection_name(name);
  return Empty(Invoke(c, rpc, request));
}

json CollectionsDrop(const Call& c) { return StatusCall(c, &MilvusService::DropCollection); }
json CollectionsLoad(const Call& c) { return StatusCall(c, &MilvusService::LoadCollection); }
json CollectionsRelease(const Call& c) { return StatusCall(c, &MilvusService::ReleaseCollection); }

json CollectionsLoadState(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::GetLoadStateRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::GetLoadState, request);
  REST_RETURN_IF_FAILED(response.status());
  json data = {{"loadState", cpb::LoadState_Name(response.state())}};
  if (response.state() == cpb::LoadStateLoaded) data["loadProgress"] = 100;
  return Data(std::move(data));
}

json CollectionsStats(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::GetCollectionStatisticsRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::GetCollectionStatistics, request);
  REST_RETURN_IF_FAILED(response.status());
  return RowCount(response.stats());
}

json CollectionsFlush(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  mpb::FlushRequest request;
  request.add_collection_names(name);
  const auto response = Invoke(c, &MilvusService::Flush, request);
  return Empty(response.status());
}

json CollectionsRename(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(new_name, RequiredString(c.body, "newCollectionName"));
  REST_ASSIGN_OR_FAIL(new_database, OptionalString(c.body, "newDbName"));
  mpb::RenameCollectionRequest request;
  request.set_oldname(name);
  request.set_newname(new_name);
  request.set_newdbname(new_database);
  return Empty(Invoke(c, &MilvusService::RenameCollection, request));
}

json CollectionsAlterProperties(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(properties, PropertiesOf(c.body));
  mpb::AlterCollectionRequest request;
  request.set_collection_name(name);
  *request.mutable_properties() = std::move(properties);
  return Empty(Invoke(c, &MilvusService::AlterCollection, request));
}

json CollectionsDropProperties(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(keys, OptionalStrings(c.body, "propertyKeys"));
  mpb::AlterCollectionRequest request;
  request.set_collection_name(name);
  for (const std::string& key : keys) request.add_delete_keys(key);
  return Empty(Invoke(c, &MilvusService::AlterCollection, request));
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
    REST_RETURN_IF_FAILED(Invoke(c, &MilvusService::CreateIndex, request));
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
  return Empty(Invoke(c, &MilvusService::DropIndex, request));
}

}  // namespace

void AddCollectionRoutes(RouteTable& routes) {
  routes.insert({
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
      {"collections/rename", CollectionsRename},
      {"collections/alter_properties", CollectionsAlterProperties},
      {"collections/drop_properties", CollectionsDropProperties},
      {"indexes/create", IndexesCreate},
      {"indexes/list", IndexesList},
      {"indexes/describe", IndexesDescribe},
      {"indexes/drop", IndexesDrop},
  });
}

}  // namespace strata::api::rest
