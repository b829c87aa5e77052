// VectorIndex: an ANN (or exact) index over one sealed segment's vector column, with Milvus's
// index types and parameter names. Built once from the segment's rows, immutable afterwards,
// serialized into index_files/ in the bucket and loaded back without rebuilding.
//
// Row ids are offsets into the vectors the index was built from. Scores follow flat_search.h
// (L2 squared distance ascending; IP, COSINE similarity descending; HAMMING, JACCARD
// ascending). Search is thread-safe; an index holds no reference to the build input.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/bitset.h"
#include "common/result.h"
#include "common/thread_pool.h"
#include "index/flat_search.h"
#include "index/metric.h"
#include "index/range_params.h"

namespace strata {

struct IndexSpec {
  std::string index_type;  // "HNSW", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "BIN_IVF_FLAT", ...
  MetricType metric = MetricType::kL2;
  nlohmann::json params = nlohmann::json::object();  // build params: M, efConstruction, nlist..
};

// The vectors to build from: float rows (float_data) or binary rows (binary_data, dim bits).
struct VectorData {
  const float* float_data = nullptr;
  const uint8_t* binary_data = nullptr;
  int64_t n = 0;
  int64_t dim = 0;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual const IndexSpec& spec() const = 0;
  virtual int64_t size() const = 0;  // rows
  virtual int64_t dim() const = 0;
  virtual int64_t MemoryBytes() const = 0;

  // Top-k of each query. `queries` are float rows or binary rows matching the build type
  // (pass through as const void*); `search_params` holds nprobe / ef etc. (missing = the
  // index's documented default); `allowed` (nullable) has size() bits, set = may be returned.
  // Fewer than k allowed rows pads like flat_search.h. InvalidArgument for bad parameters.
  virtual Status Search(const void* queries, int64_t nq, int64_t k,
                        const nlohmann::json& search_params, const Bitset* allowed,
                        ThreadPool* pool, std::vector<TopK>* out) const = 0;

  // Range search (range_params.h; doc/indexes.md): for each query the best `limit` rows whose
  // score lies in `range`, best first, no padding. `search_params` and `allowed` as for
  // Search. Exact for FLAT and BIN_FLAT; the ANN types look where their top-k search looks, so
  // they may miss in-range rows but never return one outside the range. InvalidArgument for
  // limit outside [1, 16384], a range CheckRangeParams rejects, or bad parameters.
  virtual Status RangeSearch(const void* queries, int64_t nq, const RangeParams& range,
                             int64_t limit, const nlohmann::json& search_params,
                             const Bitset* allowed, ThreadPool* pool,
                             std::vector<RangeHits>* out) const = 0;

  // The index's own bytes (format version inside); the caller wraps them in the envelope.
  virtual Status Serialize(std::string* out) const = 0;
};

// AUTOINDEX resolved to a concrete type and parameters (documented in doc/indexes.md); other
// specs unchanged.
IndexSpec ResolveAutoIndex(IndexSpec spec, bool binary);

// Builds an index of spec.index_type (AUTOINDEX resolved first). InvalidArgument for an unknown
// type or bad parameters (names and valid ranges as in Milvus). Uses `pool` (nullable) for parallel
// build steps. HNSW builds and the k-means of IVF_FLAT, IVF_SQ8 and IVF_PQ stop early with
// Cancelled once `*cancel` (nullable) is true, so a stopping server need not wait for them.
Result<std::unique_ptr<VectorIndex>> BuildVectorIndex(const IndexSpec& spec, const VectorData& data,
                                                      ThreadPool* pool,
                                                      const std::atomic<bool>* cancel = nullptr);

// The index file: the spec and the index's own bytes, in the object envelope (kIndexFile) at
// this version.
inline constexpr uint16_t kIndexFileVersion = 1;
Result<std::string> SaveVectorIndex(const VectorIndex& index);

// Loads what SaveVectorIndex wrote. DataLoss naming `object_name` for anything inconsistent.
Result<std::unique_ptr<VectorIndex>> LoadVectorIndex(std::string_view bytes,
                                                     std::string_view object_name);

}  // namespace strata
