// hnswlib 0.6 (header-only) as a peer. This file alone is compiled with -O3 -march=native so
// hnswlib gets its best SIMD path (see CMakeLists.txt); it is never part of the server.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <thread>

#include "runner.h"

namespace strata::bench {
namespace {

// Runs body(i) for i in [0, n) on `threads` threads, handing out indexes one by one.
template <typename F>
void ParallelIndexes(int64_t n, int threads, F body) {
  if (threads <= 1) {
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int64_t i; (i = next.fetch_add(1)) < n;) body(i);
    });
  }
  for (auto& w : workers) w.join();
}

class HnswlibRunner final : public AnnRunner {
 public:
  std::string Name() const override { return "hnswlib"; }

  Status Build(const Matrix& base, MetricType metric, const nlohmann::json& build,
               int threads) override {
    cosine_ = metric == MetricType::kCosine;
    dim_ = base.dim;
    if (metric == MetricType::kL2) {
      space_ = std::make_unique<hnswlib::L2Space>(base.dim);
    } else {
      space_ = std::make_unique<hnswlib::InnerProductSpace>(base.dim);
    }
    std::vector<float> normalized;
    const float* rows = base.values.data();
    if (cosine_) {
      normalized = NormalizedRows(rows, base.n, base.dim);
      rows = normalized.data();
    }
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        space_.get(), base.n, build.value("M", 16), build.value("efConstruction", 200));
    ParallelIndexes(base.n, threads, [&](int64_t i) {
      index_->addPoint(rows + i * base.dim, static_cast<hnswlib::labeltype>(i));
    });
    bytes_ = static_cast<int64_t>(base.n * index_->size_data_per_element_);
    for (int64_t i = 0; i < base.n; ++i) {
      bytes_ += static_cast<int64_t>(index_->element_levels_[i] * index_->size_links_per_element_);
    }
    return Status::Ok();
  }
  int64_t IndexBytes() const override { return bytes_; }

  Status Search(const float* queries, int64_t nq, int64_t k, const nlohmann::json& params,
                int threads, int64_t* ids) override {
    index_->setEf(params.value("ef", 64));
    std::vector<float> normalized;
    if (cosine_) {
      normalized = NormalizedRows(queries, nq, dim_);
      queries = normalized.data();
    }
    ParallelIndexes(nq, threads, [&](int64_t q) {
      auto top = index_->searchKnn(queries + q * dim_, static_cast<size_t>(k));
      int64_t* out = ids + q * k;
      std::fill(out, out + k, -1);
      for (int64_t j = static_cast<int64_t>(top.size()) - 1; j >= 0; --j) {
        out[j] = static_cast<int64_t>(top.top().second);
        top.pop();
      }
    });
    return Status::Ok();
  }

 private:
  bool cosine_ = false;
  int64_t dim_ = 0;
  int64_t bytes_ = 0;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
};

}  // namespace

Result<std::unique_ptr<AnnRunner>> MakeHnswlibRunner() {
  return std::unique_ptr<AnnRunner>(std::make_unique<HnswlibRunner>());
}

}  // namespace strata::bench
