// FAISS IndexHNSWFlat as a peer (Debian's build; its threads are OpenMP's).
#include <faiss/IndexHNSW.h>
#include <omp.h>

#include "runner.h"

namespace strata::bench {
namespace {

class FaissRunner final : public AnnRunner {
 public:
  std::string Name() const override { return "faiss"; }

  Status Build(const Matrix& base, MetricType metric, const nlohmann::json& build,
               int threads) override {
    cosine_ = metric == MetricType::kCosine;
    dim_ = base.dim;
    omp_set_num_threads(threads);
    index_ = std::make_unique<faiss::IndexHNSWFlat>(
        static_cast<int>(base.dim), build.value("M", 16),
        metric == MetricType::kL2 ? faiss::METRIC_L2 : faiss::METRIC_INNER_PRODUCT);
    index_->hnsw.efConstruction = build.value("efConstruction", 200);
    try {
      if (cosine_) {
        std::vector<float> normalized = NormalizedRows(base.values.data(), base.n, base.dim);
        index_->add(base.n, normalized.data());
      } else {
        index_->add(base.n, base.values.data());
      }
    } catch (const std::exception& e) {
      return Internal(std::string("faiss build: ") + e.what());
    }
    bytes_ = static_cast<int64_t>(
        base.n * base.dim * sizeof(float) +
        index_->hnsw.neighbors.size() * sizeof(faiss::HNSW::storage_idx_t) +
        index_->hnsw.offsets.size() * sizeof(size_t) + index_->hnsw.levels.size() * sizeof(int));
    return Status::Ok();
  }
  int64_t IndexBytes() const override { return bytes_; }

  Status Search(const float* queries, int64_t nq, int64_t k, const nlohmann::json& params,
                int threads, int64_t* ids) override {
    omp_set_num_threads(threads);
    index_->hnsw.efSearch = params.value("ef", 64);
    std::vector<float> normalized;
    if (cosine_) {
      normalized = NormalizedRows(queries, nq, dim_);
      queries = normalized.data();
    }
    distances_.resize(static_cast<size_t>(nq * k));
    labels_.resize(static_cast<size_t>(nq * k));
    try {
      index_->search(nq, queries, k, distances_.data(), labels_.data());
    } catch (const std::exception& e) {
      return Internal(std::string("faiss search: ") + e.what());
    }
    std::copy(labels_.begin(), labels_.end(), ids);
    return Status::Ok();
  }

 private:
  bool cosine_ = false;
  int64_t dim_ = 0;
  int64_t bytes_ = 0;
  std::unique_ptr<faiss::IndexHNSWFlat> index_;
  std::vector<float> distances_;
  std::vector<faiss::Index::idx_t> labels_;
};

}  // namespace

Result<std::unique_ptr<AnnRunner>> MakeFaissRunner() {
  return std::unique_ptr<AnnRunner>(std::make_unique<FaissRunner>());
}

}  // namespace strata::bench
