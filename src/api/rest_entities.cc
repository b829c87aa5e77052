// REST API v2: entities/* (insert, upsert, delete, query, get); searches are in rest_search.cc.
#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api::rest {
namespace {

// ---- entities ------------------------------------------------------------------------------

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

}  // namespace

void AddEntityRoutes(RouteTable& routes) {
  routes.insert({
      {"entities/insert", EntitiesInsert},
      {"entities/upsert", EntitiesUpsert},
      {"entities/delete", EntitiesDelete},
      {"entities/query", EntitiesQuery},
      {"entities/get", EntitiesGet},
  });
}

}  // namespace strata::api::rest
