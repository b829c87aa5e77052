#include "bandwidth.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace strata::bench {
namespace {

uint64_t Word(const unsigned char* bytes, size_t i) {
  uint64_t w;
  std::memcpy(&w, bytes + i * sizeof(uint64_t), sizeof(w));  // a plain, possibly unaligned load
  return w;
}

// The sum of `words` 64-bit words, read as `Streams` sequential streams at once (the words split
// into that many consecutive parts), each prefetched `Ahead` bytes ahead (0: none). Cloned per
// instruction set and picked at load time (ifunc), so the loop reads with the widest loads the
// CPU has, as FLAT's kernels do.
template <int Streams, int Ahead>
__attribute__((target_clones("avx512f", "avx2", "default"))) uint64_t SumWords(
    const unsigned char* bytes, size_t words) {
  constexpr size_t kLineWords = 8;
  const size_t part = words / Streams / kLineWords * kLineWords;
  uint64_t sums[Streams] = {};
  for (size_t i = 0; i < part; i += kLineWords) {
    if constexpr (Ahead > 0)
      for (int s = 0; s < Streams; ++s) __builtin_prefetch(bytes + (s * part + i) * 8 + Ahead);
    for (size_t j = i; j < i + kLineWords; ++j)
      for (int s = 0; s < Streams; ++s) sums[s] += Word(bytes, s * part + j);
  }
  uint64_t sum = 0;
  for (int s = 0; s < Streams; ++s) sum += sums[s];
  return sum;
}

template <int Streams, int Ahead>
double BestRate(const unsigned char* bytes, size_t words, int passes, uint64_t* sink) {
  const size_t read = words / Streams / 8 * 8 * Streams;
  double best = 0;
  for (int pass = 0; pass < passes; ++pass) {
    auto start = std::chrono::steady_clock::now();
    *sink += SumWords<Streams, Ahead>(bytes, words);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(read * sizeof(uint64_t)) / seconds);
  }
  return best;
}

}  // namespace

double ReadBandwidth(const void* data, size_t bytes, int passes) {
  const auto* in = static_cast<const unsigned char*>(data);
  const size_t words = bytes / sizeof(uint64_t);
  uint64_t sink = 0;
  // How fast one thread reads depends on the access pattern (each sequential stream has its
  // own hardware prefetch; software prefetch helps some machines) and, on shared machines, on
  // the moment: the yardstick is the best of 1, 2, 4 and 8 streams, each with and without
  // prefetch.
  double best = std::max(
      {BestRate<1, 0>(in, words, passes, &sink), BestRate<2, 0>(in, words, passes, &sink),
       BestRate<4, 0>(in, words, passes, &sink), BestRate<8, 0>(in, words, passes, &sink),
       BestRate<1, 1024>(in, words, passes, &sink), BestRate<2, 1024>(in, words, passes, &sink),
       BestRate<4, 1024>(in, words, passes, &sink), BestRate<8, 1024>(in, words, passes, &sink)});
  // The sums must be used, or the loops could be dropped.
  if (sink == 0x5eed) best += 1e-9;
  return best;
}

}  // namespace strata::bench
