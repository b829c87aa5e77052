// The libraries strata-bench-ann compares: one AnnRunner per library, all driven the same way
// (build once, then search with one value of the swept parameter at a time).
//
// Runners are used from one thread; `threads` says how many threads a call may use.
// Search writes nq x k row ids (-1 for missing hits) into `ids`.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/result.h"
#include "index/metric.h"

namespace strata::bench {

// Row-major float vectors read from an .fvecs file.
struct Matrix {
  int64_t n = 0;
  int64_t dim = 0;
  std::vector<float> values;
  const float* row(int64_t i) const { return values.data() + i * dim; }
};

class AnnRunner {
 public:
  virtual ~AnnRunner() = default;
  virtual std::string Name() const = 0;
  // `build` holds Milvus-style build params ({"M":16,"efConstruction":200}).
  virtual Status Build(const Matrix& base, MetricType metric, const nlohmann::json& build,
                       int threads) = 0;
  virtual int64_t IndexBytes() const = 0;
  // `params` holds one point of the search sweep ({"ef":64}).
  virtual Status Search(const float* queries, int64_t nq, int64_t k, const nlohmann::json& params,
                        int threads, int64_t* ids) = 0;
};

// Strata's own index of `index_type` (any type BuildVectorIndex knows).
Result<std::unique_ptr<AnnRunner>> MakeStrataRunner(const std::string& index_type);
// Peers, when compiled in (see CMakeLists.txt); NotFound when this build lacks the library.
// hnswlib has HNSW only; FAISS has HNSW, IVF_FLAT and IVF_SQ8 (InvalidArgument at Build for
// other types).
Result<std::unique_ptr<AnnRunner>> MakeHnswlibRunner();
Result<std::unique_ptr<AnnRunner>> MakeFaissRunner(const std::string& index_type);

// Unit-length copies of the rows (zero rows stay zero), for peers that do cosine as IP.
std::vector<float> NormalizedRows(const float* rows, int64_t n, int64_t dim);

}  // namespace strata::bench
