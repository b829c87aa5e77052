#include "api/request_parsing.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string_view>

#include "api/placeholder.h"
#include "common.pb.h"

namespace strata::api {
namespace {

namespace cpb = milvus::proto::common;

Result<int64_t> ParseInt(std::string_view key, std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size())
    return InvalidArgument(fmt::format("{} must be an integer, got '{}'", key, text));
  return value;
}

Result<nlohmann::json> ParseJsonObject(std::string_view key, std::string_view text) {
  if (text.empty()) return nlohmann::json::object();
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return InvalidArgument(fmt::format("{} must be a JSON object, got '{}'", key, text));
  return json;
}

// Go's strconv.ParseBool spellings of true, as Milvus reads its boolean parameters.
bool IsTrue(std::string_view v) {
  return v == "true" || v == "True" || v == "TRUE" || v == "t" || v == "T" || v == "1";
}

// A random version-4 UUID, as Milvus makes search iterator tokens.
std::string NewUuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<uint8_t, 16> b;
  for (size_t i = 0; i < b.size(); i += 8) {
    uint64_t r = rng();
    std::memcpy(b.data() + i, &r, 8);
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// Search iterator v2's keys (`iterator`, `search_iter_v2`, `search_iter_batch_size`,
// `search_iter_id`, `search_iter_last_bound`): the page size replaces topk; checked with
// Milvus's words.
Status ParseIteratorParams(
    const google::protobuf::RepeatedPtrField<milvus::proto::common::KeyValuePair>& params,
    SearchRequest* out) {
  bool iterator = false, v2 = false;
  std::optional<int64_t> batch;
  std::string token;
  std::optional<std::string> bound;
  for (const auto& kv : params) {
    if (kv.key() == "iterator") {
      iterator = kv.value() == "true" || kv.value() == "True";
    } else if (kv.key() == "search_iter_v2") {
      v2 = IsTrue(kv.value());
    } else if (kv.key() == "search_iter_batch_size") {
      auto n = ParseInt(kv.key(), kv.value());
      if (!n.ok()) return InvalidArgument(fmt::format("batch size is invalid, {}", kv.value()));
      batch = *n;
    } else if (kv.key() == "search_iter_id") {
      token = kv.value();
    } else if (kv.key() == "search_iter_last_bound") {
      bound = kv.value();
    }
  }
  if (!v2) return Status::Ok();  // v1 iterators are ordinary (range) searches
  auto fail = [](std::string_view why) {
    return InvalidArgument(fmt::format("parse iterator v2 info failed: {}", why));
  };
  if (!iterator) return fail("both iterator and search_iter_v2 must be set in the SDK");
  if (!batch) return fail("batch size is required");
  if (*batch <= 0 || *batch > 16384)
    return fail(
        fmt::format("batch size is invalid, it should be in range [1, 16384], but got {}", *batch));
  if (!token.empty() && !IsUuid(token)) return fail("invalid token format");
  if (out->offset > 0)
    return fail("Setting an offset is not permitted when using a search iterator v2");
  if (!out->group_by_field.empty()) return fail("Not allowed to do groupBy when doing iteration");
  if (bound) {
    float value = 0;
    auto [end, ec] = std::from_chars(bound->data(), bound->data() + bound->size(), value);
    if (ec != std::errc() || end != bound->data() + bound->size())
      return fail(fmt::format("invalid last bound '{}'", *bound));
    out->iterator_last_bound = value;
  }
  out->iterator = true;
  out->limit = *batch;
  out->iterator_token = token.empty() ? NewUuid() : token;
  return Status::Ok();
}

Result<nlohmann::json> ArrayToJson(const milvus::proto::schema::TemplateArrayValue& array,
                                   const std::string& name) {
  using A = milvus::proto::schema::TemplateArrayValue;
  nlohmann::json out = nlohmann::json::array();
  switch (array.data_case()) {
    case A::kBoolData:
      for (bool v : array.bool_data().data()) out.push_back(v);
      return out;
    case A::kLongData:
      for (int64_t v : array.long_data().data()) out.push_back(v);
      return out;
    case A::kDoubleData:
      for (double v : array.double_data().data()) out.push_back(v);
      return out;
    case A::kStringData:
      for (const auto& v : array.string_data().data()) out.push_back(v);
      return out;
    case A::kArrayData:
      for (const auto& inner : array.array_data().data()) {
        ASSIGN_OR_RETURN(nlohmann::json v, ArrayToJson(inner, name));
        out.push_back(std::move(v));
      }
      return out;
    case A::kJsonData:
      for (const auto& bytes : array.json_data().data()) {
        auto v = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
        if (v.is_discarded())
          return InvalidArgument(
              fmt::format("template value '{}' holds invalid JSON: {}", name, bytes));
        out.push_back(std::move(v));
      }
      return out;
    case A::DATA_NOT_SET:
      return out;
  }
  return out;
}

}  // namespace

Result<expr::ExprTemplateValues> TemplateValuesFromProto(
    const google::protobuf::Map<std::string, milvus::proto::schema::TemplateValue>& values) {
  using V = milvus::proto::schema::TemplateValue;
  expr::ExprTemplateValues out;
  for (const auto& [name, value] : values) {
    switch (value.val_case()) {
      case V::kBoolVal:
        out[name] = value.bool_val();
        break;
      case V::kInt64Val:
        out[name] = value.int64_val();
        break;
      case V::kFloatVal:
        out[name] = value.float_val();
        break;
      case V::kStringVal:
        out[name] = value.string_val();
        break;
      case V::kArrayVal: {
        ASSIGN_OR_RETURN(out[name], ArrayToJson(value.array_val(), name));
        break;
      }
      case V::VAL_NOT_SET:
        return InvalidArgument(fmt::format("template value '{}' has no value", name));
    }
  }
  return out;
}

Result<SearchRequest> ParseSearchRequest(const mpb::SearchRequest& request,
                                         const CollectionSchema& schema) {
  SearchRequest out;
  out.collection = request.collection_name();
  out.partitions.assign(request.partition_names().begin(), request.partition_names().end());
  out.filter = request.dsl();
  ASSIGN_OR_RETURN(out.filter_values, TemplateValuesFromProto(request.expr_template_values()));
  out.output_fields.assign(request.output_fields().begin(), request.output_fields().end());
  bool have_topk = false;
  // Range search bounds may also come as their own pairs (the Node SDK sends every key of
  // `params` both inside the JSON and flattened); the JSON wins when both are present.
  nlohmann::json flattened = nlohmann::json::object();
  for (const auto& kv : request.search_params()) {
    const std::string& k = kv.key();
    const std::string& v = kv.value();
    if (k == "anns_field") {
      out.anns_field = v;
    } else if (k == "topk" || k == "limit") {
      ASSIGN_OR_RETURN(out.limit, ParseInt(k, v));
      have_topk = true;
    } else if (k == "metric_type") {
      out.metric = v;
    } else if (k == "offset") {
      ASSIGN_OR_RETURN(out.offset, ParseInt(k, v));
    } else if (k == "round_decimal") {
      ASSIGN_OR_RETURN(out.round_decimal, ParseInt(k, v));
    } else if (k == "params" || k == "search_param") {
      ASSIGN_OR_RETURN(out.search_params, ParseJsonObject(k, v));
    } else if (k == "group_by_field") {
      out.group_by_field = v;
    } else if (k == "group_size") {
      ASSIGN_OR_RETURN(out.group_size, ParseInt(k, v));
    } else if (k == "strict_group_size") {
      // Go's strconv.ParseBool spellings, as Milvus reads them; anything else means false.
      out.strict_group_size =
          v == "true" || v == "True" || v == "TRUE" || v == "t" || v == "T" || v == "1";
    } else if (k == "radius" || k == "range_filter") {
      // Numbers stay numbers; other text stays a string, which the engine then rejects.
      auto parsed = nlohmann::json::parse(v, nullptr, /*allow_exceptions=*/false);
      flattened[k] = parsed.is_discarded() ? nlohmann::json(v) : parsed;
    }
  }
  RETURN_IF_ERROR(ParseIteratorParams(request.search_params(), &out));
  if (!have_topk && !out.iterator)
    return InvalidArgument("topk (limit) is missing from search_params");
  for (auto& [k, v] : flattened.items()) {
    if (!out.search_params.contains(k)) out.search_params[k] = v;
  }

  ASSIGN_OR_RETURN(PlaceholderView ph, ParsePlaceholderGroup(request.placeholder_group()));
  const FieldSchema* field = nullptr;
  if (out.anns_field.empty()) {
    auto vectors = schema.VectorFields();
    if (vectors.size() == 1) field = vectors.front();
  } else {
    field = schema.FindField(out.anns_field);
  }
  if (field == nullptr || !IsVectorType(field->type))
    return InvalidArgument(
        out.anns_field.empty()
            ? "the collection has several vector fields: set anns_field"
            : fmt::format("anns_field '{}' is not a vector field", out.anns_field));
  out.anns_field = field->name;
  out.nq = static_cast<int64_t>(ph.values.size());
  if (out.nq == 0) return InvalidArgument("malformed placeholder group: no query vectors");
  if (request.nq() != 0 && request.nq() != out.nq)
    return InvalidArgument(fmt::format("nq ({}) does not match the number of query vectors ({})",
                                       request.nq(), out.nq));
  if (field->type == DataType::kFloatVector) {
    if (ph.type != cpb::PlaceholderType::FloatVector)
      return InvalidArgument(
          fmt::format("field '{}' is a float vector field; the placeholder "
                      "type is {}",
                      field->name, ph.type));
    out.float_queries.resize(out.nq * field->dim);
    for (int64_t q = 0; q < out.nq; ++q) {
      std::string_view bytes = ph.values[static_cast<size_t>(q)];
      if (bytes.size() != static_cast<size_t>(field->dim) * sizeof(float))
        return InvalidArgument(fmt::format("query vector {} has {} dimensions; field '{}' has {}",
                                           q, bytes.size() / sizeof(float), field->name,
                                           field->dim));
      std::memcpy(out.float_queries.data() + q * field->dim, bytes.data(), bytes.size());
    }
  } else {
    if (ph.type != cpb::PlaceholderType::BinaryVector)
      return InvalidArgument(
          fmt::format("field '{}' is a binary vector field; the placeholder "
                      "type is {}",
                      field->name, ph.type));
    size_t width = field->dim / 8;
    out.binary_queries.resize(out.nq * width);
    for (int64_t q = 0; q < out.nq; ++q) {
      std::string_view bytes = ph.values[static_cast<size_t>(q)];
      if (bytes.size() != width)
        return InvalidArgument(fmt::format("query vector {} has {} bits; field '{}' has {}", q,
                                           bytes.size() * 8, field->name, field->dim));
      std::memcpy(out.binary_queries.data() + q * width, bytes.data(), width);
    }
  }
  return out;
}

namespace {

// rank_params' `strategy` and `params` (JSON) as a Ranker, with Milvus's errors.
Result<Ranker> ParseRanker(const std::string& strategy, const std::optional<std::string>& params) {
  Ranker out;
  nlohmann::json p = nlohmann::json::object();
  if (params.has_value()) {
    p = nlohmann::json::parse(*params, nullptr, /*allow_exceptions=*/false);
    if (p.is_discarded() || !p.is_object())
      return InvalidArgument(fmt::format("rank params must be a JSON object, got '{}'", *params));
  }
  if (strategy.empty() || strategy == "rrf") {
    if (!params.has_value()) return out;  // Milvus's default: RRF with k = 60
    auto k = p.find("k");
    if (k == p.end()) return InvalidArgument("k not found in rank_params");
    if (!k->is_number()) return InvalidArgument("The type of rank param k should be float");
    out.rrf_k = k->get<double>();
    return out;
  }
  if (strategy != "weighted")
    return InvalidArgument(fmt::format("unsupported rank type {}", strategy));
  out.kind = Ranker::Kind::kWeighted;
  if (!params.has_value()) return InvalidArgument("params not found in rank_params");
  auto weights = p.find("weights");
  if (weights == p.end()) return InvalidArgument("weights not found in rank_params");
  if (!weights->is_array()) return InvalidArgument("The weights param should be an array");
  for (const auto& w : *weights) {
    if (!w.is_number()) return InvalidArgument("The type of rank param weight should be float");
    out.weights.push_back(w.get<double>());
  }
  if (auto norm = p.find("norm_score"); norm != p.end()) {
    if (!norm->is_boolean()) return InvalidArgument("norm_score must be true or false");
    out.normalize = norm->get<bool>();
  }
  return out;
}

}  // namespace

Result<HybridSearchRequest> ParseHybridSearchRequest(const mpb::HybridSearchRequest& request,
                                                     const CollectionSchema& schema) {
  if (!request.function_score().empty())
    return InvalidArgument(
        "function_score rerankers are not supported; rank with rank_params (rrf or weighted)");
  HybridSearchRequest out;
  out.collection = request.collection_name();
  out.partitions.assign(request.partition_names().begin(), request.partition_names().end());
  out.output_fields.assign(request.output_fields().begin(), request.output_fields().end());
  // Milvus takes a sub-request's vectors, filter and search parameters; its offset, output
  // fields and partitions give way to the top level's.
  for (const mpb::SearchRequest& sub : request.requests()) {
    ASSIGN_OR_RETURN(SearchRequest search, ParseSearchRequest(sub, schema));
    search.collection = out.collection;
    search.partitions.clear();
    search.output_fields.clear();
    search.offset = 0;
    search.round_decimal = -1;
    out.searches.push_back(std::move(search));
  }
  std::string strategy;
  std::optional<std::string> params;
  bool have_limit = false;
  for (const auto& kv : request.rank_params()) {
    const std::string& k = kv.key();
    const std::string& v = kv.value();
    if (k == "strategy") {
      strategy = v;
    } else if (k == "params") {
      params = v;
    } else if (k == "limit") {
      auto limit = ParseInt(k, v);
      if (!limit.ok()) return InvalidArgument(fmt::format("limit [{}] is invalid", v));
      out.limit = *limit;
      have_limit = true;
    } else if (k == "offset") {
      ASSIGN_OR_RETURN(out.offset, ParseInt(k, v));
    } else if (k == "round_decimal") {
      ASSIGN_OR_RETURN(out.round_decimal, ParseInt(k, v));
      if (out.round_decimal != -1 && (out.round_decimal < 0 || out.round_decimal > 6))
        return InvalidArgument(
            fmt::format("round_decimal {} is invalid: it must be -1 or 0 to 6", v));
    }
  }
  if (!have_limit) return InvalidArgument("limit not found in rank_params");
  ASSIGN_OR_RETURN(out.ranker, ParseRanker(strategy, params));
  return out;
}

Result<QueryRequest> ParseQueryRequest(const mpb::QueryRequest& request) {
  QueryRequest out;
  out.collection = request.collection_name();
  out.partitions.assign(request.partition_names().begin(), request.partition_names().end());
  out.filter = request.expr();
  ASSIGN_OR_RETURN(out.filter_values, TemplateValuesFromProto(request.expr_template_values()));
  out.output_fields.assign(request.output_fields().begin(), request.output_fields().end());
  for (const auto& kv : request.query_params()) {
    if (kv.key() == "limit") {
      ASSIGN_OR_RETURN(int64_t limit, ParseInt("limit", kv.value()));
      out.limit = limit;
    } else if (kv.key() == "offset") {
      ASSIGN_OR_RETURN(out.offset, ParseInt("offset", kv.value()));
    }
  }
  return out;
}

Result<DeleteRequest> ParseDeleteRequest(const mpb::DeleteRequest& request) {
  DeleteRequest out;
  out.collection = request.collection_name();
  out.partition = request.partition_name();
  out.filter = request.expr();
  ASSIGN_OR_RETURN(out.filter_values, TemplateValuesFromProto(request.expr_template_values()));
  return out;
}

Result<KeyValues> NormalizeIndexParams(const KeyValues& extra_params) {
  std::string index_type, metric_type;
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [k, v] : extra_params) {
    if (k == "index_type") {
      index_type = v;
    } else if (k == "metric_type") {
      metric_type = v;
    } else if (k == "params") {
      ASSIGN_OR_RETURN(nlohmann::json inner, ParseJsonObject("params", v));
      for (auto& [ik, iv] : inner.items()) params[ik] = iv;
    } else {
      // Flattened pairs arrive as strings; keep numbers as numbers, as Milvus does.
      auto parsed = nlohmann::json::parse(v, nullptr, false);
      params[k] = parsed.is_discarded() ? nlohmann::json(v) : parsed;
    }
  }
  if (index_type.empty()) index_type = "AUTOINDEX";
  // Milvus accepts "metric_type" inside params too.
  if (metric_type.empty() && params.contains("metric_type") && params["metric_type"].is_string()) {
    metric_type = params["metric_type"].get<std::string>();
    params.erase("metric_type");
  }
  KeyValues out = {{"index_type", index_type}};
  if (!metric_type.empty()) out.emplace_back("metric_type", metric_type);
  out.emplace_back("params", params.dump());
  return out;
}

}  // namespace strata::api
