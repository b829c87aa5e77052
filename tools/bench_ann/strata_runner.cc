// Strata's indexes in-process, exactly as the server builds and searches them.
#include <cmath>

#include "common/thread_pool.h"
#include "index/vector_index.h"
#include "runner.h"

namespace strata::bench {
namespace {

class StrataRunner final : public AnnRunner {
 public:
  explicit StrataRunner(std::string index_type) : index_type_(std::move(index_type)) {}
  std::string Name() const override { return "strata"; }

  Status Build(const Matrix& base, MetricType metric, const nlohmann::json& build,
               int threads) override {
    IndexSpec spec{index_type_, metric, build};
    SetThreads(threads);
    ASSIGN_OR_RETURN(index_, BuildVectorIndex(spec, {base.values.data(), nullptr, base.n, base.dim},
                                              pool_.get()));
    return Status::Ok();
  }
  int64_t IndexBytes() const override { return index_->MemoryBytes(); }

  Status Search(const float* queries, int64_t nq, int64_t k, const nlohmann::json& params,
                int threads, int64_t* ids) override {
    SetThreads(threads);
    RETURN_IF_ERROR(index_->Search(queries, nq, k, params, nullptr, pool_.get(), &results_));
    for (int64_t q = 0; q < nq; ++q) {
      std::copy(results_[q].ids.begin(), results_[q].ids.end(), ids + q * k);
    }
    return Status::Ok();
  }

 private:
  // ThreadPool::ParallelFor also runs on the caller, so N threads = N - 1 workers.
  void SetThreads(int threads) {
    if (threads == threads_) return;
    threads_ = threads;
    pool_ = threads > 1 ? std::make_unique<ThreadPool>(threads - 1) : nullptr;
  }

  std::string index_type_;
  int threads_ = 1;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<VectorIndex> index_;
  std::vector<TopK> results_;
};

}  // namespace

Result<std::unique_ptr<AnnRunner>> MakeStrataRunner(const std::string& index_type) {
  return std::unique_ptr<AnnRunner>(std::make_unique<StrataRunner>(index_type));
}

std::vector<float> NormalizedRows(const float* rows, int64_t n, int64_t dim) {
  std::vector<float> out(rows, rows + n * dim);
  for (int64_t i = 0; i < n; ++i) {
    float* v = out.data() + i * dim;
    double sq = 0;
    for (int64_t d = 0; d < dim; ++d) sq += static_cast<double>(v[d]) * v[d];
    if (sq == 0) continue;
    float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (int64_t d = 0; d < dim; ++d) v[d] *= inv;
  }
  return out;
}

}  // namespace strata::bench
