// REST API v2: entities/search and entities/hybrid_search, through MilvusService's Search and
// HybridSearch.
#include <fmt/format.h>

#include "api/rest_call.h"
#include "api/status_mapping.h"

namespace strata::api::rest {
namespace {

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

// The vector field `anns_field` names, or the first one when it is empty.
Result<const spb::FieldSchema*> VectorField(const spb::CollectionSchema& schema,
                                            const std::string& anns_field) {
  for (const spb::FieldSchema& f : schema.fields()) {
    const bool vector = f.data_type() == spb::FloatVector || f.data_type() == spb::BinaryVector;
    if (vector && (anns_field.empty() || f.name() == anns_field)) return &f;
  }
  return InvalidArgument(anns_field.empty() ? "the collection has no vector field"
                                            : "no vector field '" + anns_field + "'");
}

// One vector search as Milvus's Search takes it, from the keys both endpoints share — `data`,
// `annsField`, `filter`, `limit`, `offset`, `groupingField`, `groupSize`, `strictGroupSize` —
// plus the metric and the search parameters, which each endpoint keeps in its own place.
Result<mpb::SearchRequest> VectorSearch(const json& body, const spb::CollectionSchema& schema,
                                        const std::string& metric, const json& params,
                                        int64_t default_limit) {
  ASSIGN_OR_RETURN(std::string anns_field, OptionalString(body, "annsField"));
  ASSIGN_OR_RETURN(const spb::FieldSchema* field, VectorField(schema, anns_field));
  ASSIGN_OR_RETURN(std::string placeholders, Placeholders(body.value("data", json()), *field));
  ASSIGN_OR_RETURN(int64_t limit, OptionalInt(body, "limit", default_limit));
  ASSIGN_OR_RETURN(int64_t offset, OptionalInt(body, "offset", 0));
  ASSIGN_OR_RETURN(std::string filter, OptionalString(body, "filter"));
  mpb::SearchRequest request;
  request.set_dsl(filter);
  request.set_dsl_type(cpb::BoolExprV1);
  request.set_placeholder_group(placeholders);
  request.set_nq(static_cast<int64_t>(body["data"].size()));
  auto* pairs = request.mutable_search_params();
  AddPair(pairs, "anns_field", field->name());
  AddPair(pairs, "topk", std::to_string(limit));
  if (offset > 0) AddPair(pairs, "offset", std::to_string(offset));
  if (!metric.empty()) AddPair(pairs, "metric_type", metric);
  if (auto group = body.find("groupingField"); group != body.end()) {
    AddPair(pairs, "group_by_field", ParamText(*group));
    ASSIGN_OR_RETURN(int64_t group_size, OptionalInt(body, "groupSize", 1));
    ASSIGN_OR_RETURN(bool strict, OptionalBool(body, "strictGroupSize", false));
    AddPair(pairs, "group_size", std::to_string(group_size));
    AddPair(pairs, "strict_group_size", strict ? "true" : "false");
  }
  AddPair(pairs, "params", params.dump());
  return request;
}

// The index's search parameters: the object `params`, with the keys of an object nested under
// its own "params" key and the range keys `radius` and `range_filter` of `outer` merged in.
Result<json> SearchParams(const json& outer, const char* key) {
  json params = outer.value(key, json::object());
  if (!params.is_object()) return InvalidArgument(fmt::format("'{}' must be an object", key));
  if (auto nested = params.find("params"); nested != params.end()) {
    if (!nested->is_object()) return InvalidArgument("'params' must be an object");
    json inner = *nested;
    params.erase("params");
    params.update(inner);
  }
  for (const char* range : {"radius", "range_filter"})
    if (outer.contains(range) && !params.contains(range)) params[range] = outer[range];
  return params;
}

// The hits as one flat list, query after query, each row its output fields, its primary key
// and its `distance` (the score); `topks` says how many hits each query has.
json HitsAnswer(const mpb::SearchResults& results, const RowFormat& format) {
  const spb::SearchResultData& r = results.results();
  json hits = json::array();
  json topks = json::array();
  int64_t at = 0;
  for (int64_t k : r.topks()) {
    topks.push_back(k);
    for (int64_t j = 0; j < k; ++j, ++at) {
      json row = json::object();
      for (const spb::FieldData& column : r.fields_data()) AddRowValue(column, at, format, &row);
      if (r.ids().has_int_id())
        row[r.primary_field_name()] =
            Int64Value(r.ids().int_id().data(static_cast<int>(at)), format);
      else if (r.ids().has_str_id())
        row[r.primary_field_name()] = r.ids().str_id().data(static_cast<int>(at));
      row["distance"] = r.scores(static_cast<int>(at));
      hits.push_back(std::move(row));
    }
  }
  json out = Data(std::move(hits));
  out["topks"] = std::move(topks);
  return out;
}

json EntitiesSearch(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  json search_params = c.body.value("searchParams", json::object());
  if (!search_params.is_object()) return Fail(InvalidArgument("'searchParams' must be an object"));
  const std::string metric =
      search_params.contains("metricType") ? ParamText(search_params["metricType"]) : "";
  REST_ASSIGN_OR_FAIL(params, SearchParams(search_params, "params"));
  REST_ASSIGN_OR_FAIL(request, VectorSearch(c.body, schema, metric, params, kDefaultLimit));
  REST_ASSIGN_OR_FAIL(output, OptionalStrings(c.body, "outputFields"));
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  request.set_collection_name(name);
  for (const std::string& f : output) request.add_output_fields(f);
  for (const std::string& p : partitions) request.add_partition_names(p);
  const auto results = Invoke(c, &MilvusService::Search, request);
  REST_RETURN_IF_FAILED(results.status());
  return HitsAnswer(results, c.format);
}

// {"search": [{data, annsField, filter, limit, metricType, params}, ...],
//  "rerank": {"strategy": "rrf" | "weighted", "params": {...}}, "limit", "outputFields"}.
json EntitiesHybridSearch(const Call& c) {
  REST_ASSIGN_OR_FAIL(name, RequiredString(c.body, "collectionName"));
  REST_ASSIGN_OR_FAIL(schema, SchemaOf(c, name));
  REST_ASSIGN_OR_FAIL(limit, OptionalInt(c.body, "limit", kDefaultLimit));
  REST_ASSIGN_OR_FAIL(offset, OptionalInt(c.body, "offset", 0));
  REST_ASSIGN_OR_FAIL(output, OptionalStrings(c.body, "outputFields"));
  REST_ASSIGN_OR_FAIL(partitions, OptionalStrings(c.body, "partitionNames"));
  auto searches = c.body.find("search");
  if (searches == c.body.end() || !searches->is_array() || searches->empty())
    return Fail(InvalidArgument("'search' must be a non-empty array of searches"));
  mpb::HybridSearchRequest request;
  request.set_collection_name(name);
  for (const json& one : *searches) {
    if (!one.is_object()) return Fail(InvalidArgument("each entry of 'search' must be an object"));
    REST_ASSIGN_OR_FAIL(metric, OptionalString(one, "metricType"));
    REST_ASSIGN_OR_FAIL(params, SearchParams(one, "params"));
    REST_ASSIGN_OR_FAIL(sub, VectorSearch(one, schema, metric, params, limit));
    *request.add_requests() = std::move(sub);
  }
  auto* rank = request.mutable_rank_params();
  if (auto rerank = c.body.find("rerank"); rerank != c.body.end()) {
    if (!rerank->is_object()) return Fail(InvalidArgument("'rerank' must be an object"));
    REST_ASSIGN_OR_FAIL(strategy, OptionalString(*rerank, "strategy"));
    json params = rerank->value("params", json::object());
    if (!params.is_object()) return Fail(InvalidArgument("'rerank.params' must be an object"));
    if (!strategy.empty()) AddPair(rank, "strategy", strategy);
    AddPair(rank, "params", params.dump());
  }
  AddPair(rank, "limit", std::to_string(limit));
  AddPair(rank, "offset", std::to_string(offset));
  for (const std::string& f : output) request.add_output_fields(f);
  for (const std::string& p : partitions) request.add_partition_names(p);
  const auto results = Invoke(c, &MilvusService::HybridSearch, request);
  REST_RETURN_IF_FAILED(results.status());
  return HitsAnswer(results, c.format);
}

}  // namespace

void AddSearchRoutes(RouteTable& routes) {
  routes.insert({
      {"entities/search", EntitiesSearch},
      {"entities/hybrid_search", EntitiesHybridSearch},
  });
}

}  // namespace strata::api::rest
