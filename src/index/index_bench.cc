// Micro-benchmarks for the distance kernels and exact search. Not run by CTest:
//   index_bench --benchmark_filter=L2Sqr
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "index/distance.h"
#include "index/flat_search.h"

namespace strata {
namespace {

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// One 128-d L2 distance per iteration, query against a rotating set of rows held in L1/L2.
void BM_L2Sqr128(benchmark::State& state, SimdLevel level) {
  const DistanceKernels* k = KernelsFor(level);
  if (k == nullptr) {
    state.SkipWithError("CPU lacks this level");
    return;
  }
  constexpr size_t kDim = 128, kRows = 256;
  std::vector<float> base = RandomFloats(kDim * kRows, 1), query = RandomFloats(kDim, 2);
  size_t row = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(k->l2sq_f32(query.data(), base.data() + row * kDim, kDim));
    row = (row + 1) % kRows;
  }
  state.SetItemsProcessed(state.iterations());
}

// Query x row dot products through the tiled batch kernel, reported per pair.
void BM_IpBatch128(benchmark::State& state, SimdLevel level) {
  const DistanceKernels* k = KernelsFor(level);
  if (k == nullptr) {
    state.SkipWithError("CPU lacks this level");
    return;
  }
  constexpr size_t kDim = 128, kQueries = 32, kRows = 512;
  std::vector<float> base = RandomFloats(kDim * kRows, 1),
                     queries = RandomFloats(kDim * kQueries, 2);
  std::vector<float> out(kQueries * kRows);
  for (auto _ : state) {
    k->ip_f32_batch(queries.data(), kQueries, base.data(), kRows, kDim, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kQueries * kRows);
}

// FLAT search, 10k x 128 base, 100 queries, k = 10; state.range(0) = pool threads (0 = none).
void BM_FlatSearch(benchmark::State& state, MetricType metric) {
  constexpr int64_t kN = 10000, kDim = 128, kNq = 100, kK = 10;
  std::vector<float> base = RandomFloats(kN * kDim, 1), queries = RandomFloats(kNq * kDim, 2);
  std::unique_ptr<ThreadPool> pool;
  if (state.range(0) > 0) pool = std::make_unique<ThreadPool>(state.range(0));
  std::vector<TopK> out;
  for (auto _ : state) {
    Status st = SearchFloatFlat(base.data(), kN, kDim, queries.data(), kNq, metric, kK, nullptr,
                                pool.get(), &out);
    if (!st.ok()) state.SkipWithError(st.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * kN * kNq);
  state.SetLabel(std::string(SimdLevelName()));
}

BENCHMARK_CAPTURE(BM_L2Sqr128, ref, SimdLevel::kRef);
BENCHMARK_CAPTURE(BM_L2Sqr128, avx2, SimdLevel::kAvx2);
BENCHMARK_CAPTURE(BM_L2Sqr128, avx512, SimdLevel::kAvx512);
BENCHMARK_CAPTURE(BM_IpBatch128, ref, SimdLevel::kRef);
BENCHMARK_CAPTURE(BM_IpBatch128, avx2, SimdLevel::kAvx2);
BENCHMARK_CAPTURE(BM_IpBatch128, avx512, SimdLevel::kAvx512);
BENCHMARK_CAPTURE(BM_FlatSearch, l2, MetricType::kL2)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FlatSearch, ip, MetricType::kIP)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FlatSearch, cosine, MetricType::kCosine)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
