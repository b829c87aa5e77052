// REST API v2: entities/* (insert, upsert, delete, query, get, search).
#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api::rest {
namespace {

// ---- entities ------------------------------------------------------------------------------

Result<spb::CollectionSchema> SchemaOf(const Call& c, const std::string& name) {
  mpb::DescribeCollectionRequest request;
  request.set_collection_name(name);
  const auto response = Invoke(c, &MilvusService::DescribeCollection, request);
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

// Insert or upsert (`upsert`) the body's rows.
template <typename Request>
json WriteRows(const Call& c,
               grpc::Status (MilvusService::*rpc)(ServerContext*, const Request*,
                                                  mpb::MutationResult*),
               bool upsert) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(partition, OptionalString(c.body, "partitionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  REST_ASSIGN_OR_FAIL(columns, FieldDataFromRows(schema, c.body.value("data", json()), upsert));
  Request request;
  request.set_collection_name(name);
  request.set_partition_name(partition);
  request.set_num_rows(static_cast<uint32_t>(c.body["data"].size()));
  for (auto& column : columns) *request.add_fields_data() = std::move(column);
  const mpb::MutationResult result = Invoke(c, rpc, request);
  REST_RETURN_IF_FAILED(result.status());
  if (upsert)
    return Data(
        {{"upsertCount", result.upsert_cnt()}, {"upsertIds", IdList(result.ids(), c.format)}});
  return Data(
      {{"insertCount", result.insert_cnt()}, {"insertIds", IdList(result.ids(), c.format)}});
}

json EntitiesInsert(const Call& c) { return WriteRows(c, &MilvusService::Insert, false); }
json EntitiesUpsert(const Call& c) { return WriteRows(c, &MilvusService::Upsert, true); }

json EntitiesDelete(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(filter, RequiredString(c.body, "filter"));
  REST_ASSIGN_OR_FAIL(partition, OptionalString(c.body, "partitionName"));
  mpb::DeleteRequest request;
  request.set_collection_name(name);
  request.set_expr(filter);
  request.set_partition_name(partition);
  const auto result = Invoke(c, &MilvusService::Delete, request);
  return Empty(result.status());
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
  const auto results = Invoke(c, &MilvusService::Query, request);
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
  const auto results = Invoke(c, &MilvusService::Search, request);
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

}  // namespace

void AddEntityRoutes(RouteTable& routes) {
  routes.insert({
      {"entities/insert", EntitiesInsert},
      {"entities/upsert", EntitiesUpsert},
      {"entities/delete", EntitiesDelete},
      {"entities/query", EntitiesQuery},
      {"entities/get", EntitiesGet},
      {"entities/search", EntitiesSearch},
  });
}

}  // namespace strata::api::rest
