// IVF search micro-benchmark: IVF_FLAT and IVF_SQ8 search throughput and recall@10 against
// FAISS's IndexIVFFlat and IndexIVFScalarQuantizer (QT_8bit) when the build found libfaiss
// (Debian's libfaiss-dev), on the same data with the same nlist, both searching a batch of
// queries on two threads. Not run by CTest:
//   ivf_bench --benchmark_filter='Ivf' --benchmark_min_time=1
// Data: 100k rows x 128 dims from 1000 overlapping Gaussian clusters, 1000 queries from the
// same distribution; nlist 1024. The recall counter is against exact search.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "index/flat_search.h"
#include "index/ivf_index.h"
#include "index/ivf_test_util.h"

#ifdef STRATA_HAVE_FAISS
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexScalarQuantizer.h>
#include <omp.h>
#endif

namespace strata {
namespace {

constexpr int64_t kN = 100000, kDim = 128, kNq = 1000, kK = 10, kNlist = 1024;

// Rows around random centres whose spread is comparable to the noise, so neighbours cross
// list boundaries and nprobe matters.
std::vector<float> MakeData() {
  std::mt19937 rng(42);
  std::normal_distribution<float> centre(0.0f, 1.0f), noise(0.0f, 0.6f);
  constexpr int64_t kClusters = 1000;
  std::vector<float> centres(kClusters * kDim);
  for (float& c : centres) c = centre(rng);
  std::vector<float> rows((kN + kNq) * kDim);
  std::uniform_int_distribution<int64_t> pick(0, kClusters - 1);
  for (int64_t i = 0; i < kN + kNq; ++i) {
    int64_t c = pick(rng);
    for (int64_t d = 0; d < kDim; ++d) rows[i * kDim + d] = centres[c * kDim + d] + noise(rng);
  }
  return rows;
}

struct Fixture {
  std::vector<float> data = MakeData();
  ThreadPool pool{1};  // plus the calling thread: two threads, as FAISS gets below
  std::vector<TopK> truth;
  std::unique_ptr<VectorIndex> ivf_flat, ivf_sq8;
#ifdef STRATA_HAVE_FAISS
  faiss::IndexFlatL2 quantizer_flat{kDim}, quantizer_sq{kDim};
  std::unique_ptr<faiss::IndexIVFFlat> faiss_flat;
  std::unique_ptr<faiss::IndexIVFScalarQuantizer> faiss_sq8;
#endif

  const float* queries() const { return data.data() + kN * kDim; }

  Fixture() {
    (void)SearchFloatFlat(data.data(), kN, kDim, queries(), kNq, MetricType::kL2, kK, nullptr,
                          &pool, &truth);
    VectorData vd{data.data(), nullptr, kN, kDim};
    ivf_flat = std::move(
        BuildIvfIndex(IndexSpec{"IVF_FLAT", MetricType::kL2, {{"nlist", kNlist}}}, vd, &pool)
            .value());
    ivf_sq8 = std::move(
        BuildIvfIndex(IndexSpec{"IVF_SQ8", MetricType::kL2, {{"nlist", kNlist}}}, vd, &pool)
            .value());
#ifdef STRATA_HAVE_FAISS
    omp_set_num_threads(2);
    faiss_flat = std::make_unique<faiss::IndexIVFFlat>(&quantizer_flat, kDim, kNlist);
    faiss_flat->train(kN, data.data());
    faiss_flat->add(kN, data.data());
    faiss_sq8 = std::make_unique<faiss::IndexIVFScalarQuantizer>(&quantizer_sq, kDim, kNlist,
                                                                 faiss::ScalarQuantizer::QT_8bit);
    faiss_sq8->train(kN, data.data());
    faiss_sq8->add(kN, data.data());
#endif
  }
};

Fixture& Shared() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_StrataIvf(benchmark::State& state, bool sq8) {
  Fixture& f = Shared();
  const VectorIndex& index = sq8 ? *f.ivf_sq8 : *f.ivf_flat;
  nlohmann::json params = {{"nprobe", state.range(0)}};
  std::vector<TopK> out;
  for (auto _ : state) {
    Status st = index.Search(f.queries(), kNq, kK, params, nullptr, &f.pool, &out);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations() * kNq),
                                             benchmark::Counter::kIsRate);
  state.counters["recall"] = testing_util::Recall(f.truth, out);
}
BENCHMARK_CAPTURE(BM_StrataIvf, IvfFlat, false)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_StrataIvf, IvfSq8, true)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Filtered search at nprobe 32: a seeded random filter keeping range(0) per mille of the rows;
// recall@10 against exact search over the allowed rows.
void BM_StrataIvfFiltered(benchmark::State& state, bool sq8) {
  Fixture& f = Shared();
  const VectorIndex& index = sq8 ? *f.ivf_sq8 : *f.ivf_flat;
  Bitset allowed(kN, false);
  std::mt19937 rng(3);
  for (int64_t r = 0; r < kN; ++r)
    if (static_cast<int64_t>(rng() % 1000) < state.range(0)) allowed.Set(static_cast<size_t>(r));
  std::vector<TopK> truth, out;
  (void)SearchFloatFlat(f.data.data(), kN, kDim, f.queries(), kNq, MetricType::kL2, kK, &allowed,
                        &f.pool, &truth);
  nlohmann::json params = {{"nprobe", 32}};
  for (auto _ : state) {
    Status st = index.Search(f.queries(), kNq, kK, params, &allowed, &f.pool, &out);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations() * kNq),
                                             benchmark::Counter::kIsRate);
  state.counters["recall"] = testing_util::Recall(truth, out);
}
BENCHMARK_CAPTURE(BM_StrataIvfFiltered, IvfFlat, false)
    ->Arg(1000)
    ->Arg(100)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_StrataIvfFiltered, IvfSq8, true)
    ->Arg(1000)
    ->Arg(100)
    ->Arg(10)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

#ifdef STRATA_HAVE_FAISS
void BM_FaissIvf(benchmark::State& state, bool sq8) {
  Fixture& f = Shared();
  faiss::IndexIVF& index = sq8 ? static_cast<faiss::IndexIVF&>(*f.faiss_sq8)
                               : static_cast<faiss::IndexIVF&>(*f.faiss_flat);
  index.nprobe = static_cast<size_t>(state.range(0));
  std::vector<float> distances(kNq * kK);
  std::vector<faiss::Index::idx_t> labels(kNq * kK);
  for (auto _ : state) index.search(kNq, f.queries(), kK, distances.data(), labels.data());
  std::vector<TopK> got(kNq);
  for (int64_t q = 0; q < kNq; ++q)
    got[q].ids.assign(labels.begin() + q * kK, labels.begin() + (q + 1) * kK);
  state.counters["QPS"] = benchmark::Counter(static_cast<double>(state.iterations() * kNq),
                                             benchmark::Counter::kIsRate);
  state.counters["recall"] = testing_util::Recall(f.truth, got);
}
BENCHMARK_CAPTURE(BM_FaissIvf, IvfFlat, false)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_FaissIvf, IvfSq8, true)
    ->Arg(8)
    ->Arg(16)
    ->Arg(32)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
