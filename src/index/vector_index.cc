#include "index/vector_index.h"

#include <fmt/format.h>

#include <cstring>

#include "format/envelope.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "index/ivf_index.h"

namespace strata {
namespace {

bool IsIvfType(std::string_view t) {
  return t == "IVF_FLAT" || t == "IVF_SQ8" || t == "IVF_PQ" || t == "BIN_IVF_FLAT";
}

nlohmann::json SpecToJson(const IndexSpec& spec) {
  return {{"index_type", spec.index_type},
          {"metric_type", std::string(MetricTypeName(spec.metric))},
          {"params", spec.params}};
}

}  // namespace

IndexSpec ResolveAutoIndex(IndexSpec spec, bool binary) {
  if (spec.index_type != "AUTOINDEX") return spec;
  // AUTOINDEX: HNSW (M 16, efConstruction 200) for float vectors, BIN_IVF_FLAT for binary.
  nlohmann::json params = nlohmann::json::object();
  if (binary) {
    spec.index_type = "BIN_IVF_FLAT";
    params["nlist"] = 128;
  } else {
    spec.index_type = "HNSW";
    params["M"] = 16;
    params["efConstruction"] = 200;
  }
  spec.params = std::move(params);
  return spec;
}

Result<std::unique_ptr<VectorIndex>> BuildVectorIndex(const IndexSpec& requested,
                                                      const VectorData& data, ThreadPool* pool,
                                                      const std::atomic<bool>* cancel) {
  IndexSpec spec = ResolveAutoIndex(requested, data.binary_data != nullptr);
  const std::string& t = spec.index_type;
  if (t == "FLAT" || t == "BIN_FLAT") return BuildFlatIndex(spec, data, pool);
  if (t == "HNSW") return BuildHnswIndex(spec, data, pool, cancel);
  if (IsIvfType(t)) return BuildIvfIndex(spec, data, pool, cancel);
  return InvalidArgument(fmt::format("index type {} cannot be built", t));
}

Result<std::string> SaveVectorIndex(const VectorIndex& index) {
  std::string payload;
  RETURN_IF_ERROR(index.Serialize(&payload));
  std::string spec = SpecToJson(index.spec()).dump();
  std::string body;
  body.reserve(4 + spec.size() + payload.size());
  uint32_t len = static_cast<uint32_t>(spec.size());
  for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  body.append(spec);
  body.append(payload);
  return SealEnvelope(ObjectKind::kIndexFile, kIndexFileVersion, body);
}

Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(std::string_view bytes,
                                                     std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope env,
                   OpenEnvelope(bytes, ObjectKind::kIndexFile, kIndexFileVersion, object_name));
  auto loss = [&](std::string_view what) {
    return DataLoss(fmt::format("index file '{}' is corrupt: {}", object_name, what));
  };
  std::string_view body = env.payload;
  if (body.size() < 4) return loss("truncated header");
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i)
    len |= static_cast<uint32_t>(static_cast<uint8_t>(body[i])) << (8 * i);
  if (len > body.size() - 4) return loss("spec length past the end");
  auto json = nlohmann::json::parse(body.substr(4, len), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("index_type") ||
      !json["index_type"].is_string() || !json.contains("metric_type") ||
      !json["metric_type"].is_string() || !json.contains("params") || !json["params"].is_object())
    return loss("bad index spec");
  IndexSpec spec;
  spec.index_type = json["index_type"].get<std::string>();
  auto metric = ParseMetricType(json["metric_type"].get<std::string>());
  if (!metric.ok()) return loss("unknown metric");
  spec.metric = *metric;
  spec.params = json["params"];
  std::string_view payload = body.substr(4 + len);
  const std::string& t = spec.index_type;
  if (t == "FLAT" || t == "BIN_FLAT") return LoadFlatIndex(spec, payload, object_name);
  if (t == "HNSW") return LoadHnswIndex(spec, payload, object_name);
  if (IsIvfType(t)) return LoadIvfIndex(spec, payload, object_name);
  return loss("unknown index type " + t);
}

}  // namespace strata
