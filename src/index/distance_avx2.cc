// AVX2 + FMA + POPCNT kernels. This file alone is compiled with -mavx2 -mfma -mpopcnt (see
// CMakeLists.txt); distance.cc only installs these after cpuid says the CPU has them.
#include <immintrin.h>

#include <cstring>

#include "index/distance_kernels.h"

namespace strata::simd {

namespace {

// Lane mask with the first `n` (0..8) lanes set: a window into {-1 x 8, 0 x 8}.
__m256i TailMask(size_t n) {
  alignas(32) static const int32_t kWindow[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                  0,  0,  0,  0,  0,  0,  0,  0};
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kWindow + 8 - n));
}

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Sums each of four vectors into one lane of the result: [sum(a), sum(b), sum(c), sum(d)].
// Every lane is reduced by the same tree whatever the other inputs are.
__m128 Reduce4(__m256 a, __m256 b, __m256 c, __m256 d) {
  __m256 ab = _mm256_hadd_ps(a, b);
  __m256 cd = _mm256_hadd_ps(c, d);
  __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

uint64_t HorizontalSum64(__m256i v) {
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(s)) +
         static_cast<uint64_t>(_mm_extract_epi64(s, 1));
}

// Per-byte popcount by nibble table lookup, summed into four 64-bit lanes.
__m256i PopcountBytes(__m256i v) {
  const __m256i lookup = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1,
                                          2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  __m256i counts =
      _mm256_add_epi8(_mm256_shuffle_epi8(lookup, _mm256_and_si256(v, low)),
                      _mm256_shuffle_epi8(lookup, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
  return _mm256_sad_epu8(counts, _mm256_setzero_si256());
}

uint64_t LoadWord(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

// Dot products of MX rows of x with MY rows of y, one accumulator per pair.
template <int MX, int MY>
void Tile(const float* x, const float* y, size_t dim, size_t ldo, float* out) {
  __m256 acc[MX][MY];
#pragma GCC unroll 8
  for (int i = 0; i < MX; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) acc[i][j] = _mm256_setzero_ps();
  }
  size_t d = 0;
  for (; d + 8 <= dim; d += 8) {
    __m256 yv[MY];
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) yv[j] = _mm256_loadu_ps(y + j * dim + d);
#pragma GCC unroll 8
    for (int i = 0; i < MX; ++i) {
      __m256 xv = _mm256_loadu_ps(x + i * dim + d);
#pragma GCC unroll 8
      for (int j = 0; j < MY; ++j) acc[i][j] = _mm256_fmadd_ps(xv, yv[j], acc[i][j]);
    }
  }
  if (d < dim) {
    __m256i mask = TailMask(dim - d);
    __m256 yv[MY];
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) yv[j] = _mm256_maskload_ps(y + j * dim + d, mask);
#pragma GCC unroll 8
    for (int i = 0; i < MX; ++i) {
      __m256 xv = _mm256_maskload_ps(x + i * dim + d, mask);
#pragma GCC unroll 8
      for (int j = 0; j < MY; ++j) acc[i][j] = _mm256_fmadd_ps(xv, yv[j], acc[i][j]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < MX; ++i) {
    __m128 sums = Reduce4(acc[i][0], MY > 1 ? acc[i][1 % MY] : zero, MY > 2 ? acc[i][2 % MY] : zero,
                          MY > 3 ? acc[i][3 % MY] : zero);
    if constexpr (MY == 4) {
      _mm_storeu_ps(out + i * ldo, sums);
    } else {
      alignas(16) float tmp[4];
      _mm_store_ps(tmp, sums);
      for (int j = 0; j < MY; ++j) out[i * ldo + j] = tmp[j];
    }
  }
}

constexpr size_t kTileX = 2;  // 2 x 4 tile: 8 accumulators + 5 operands fit the 16 registers.
constexpr size_t kTileY = 4;
using TileFn = void (*)(const float*, const float*, size_t, size_t, float*);
constexpr TileFn kTiles[kTileX][kTileY] = {{Tile<1, 1>, Tile<1, 2>, Tile<1, 3>, Tile<1, 4>},
                                           {Tile<2, 1>, Tile<2, 2>, Tile<2, 3>, Tile<2, 4>}};

}  // namespace

float l2sq_f32_avx2(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
    __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
    acc0 = _mm256_fmadd_ps(d0, d0, acc0);
    acc1 = _mm256_fmadd_ps(d1, d1, acc1);
    acc2 = _mm256_fmadd_ps(d2, d2, acc2);
    acc3 = _mm256_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 8 <= dim; i += 8) {
    __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    acc0 = _mm256_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    __m256i mask = TailMask(dim - i);
    __m256 d = _mm256_sub_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask));
    acc1 = _mm256_fmadd_ps(d, d, acc1);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

float ip_f32_avx2(const float* a, const float* b, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= dim; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= dim; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  if (i < dim) {
    __m256i mask = TailMask(dim - i);
    acc1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + i, mask), _mm256_maskload_ps(b + i, mask), acc1);
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

float hamming_b8_avx2(const uint8_t* a, const uint8_t* b, size_t bytes) {
  __m256i acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    acc = _mm256_add_epi64(acc, PopcountBytes(_mm256_xor_si256(va, vb)));
  }
  uint64_t count = HorizontalSum64(acc);
  for (; i + 8 <= bytes; i += 8) count += _mm_popcnt_u64(LoadWord(a + i) ^ LoadWord(b + i));
  for (; i < bytes; ++i) count += _mm_popcnt_u32(a[i] ^ b[i]);
  return static_cast<float>(count);
}

float jaccard_b8_avx2(const uint8_t* a, const uint8_t* b, size_t bytes) {
  __m256i both_acc = _mm256_setzero_si256();
  __m256i either_acc = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 32 <= bytes; i += 32) {
    __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i));
    __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    both_acc = _mm256_add_epi64(both_acc, PopcountBytes(_mm256_and_si256(va, vb)));
    either_acc = _mm256_add_epi64(either_acc, PopcountBytes(_mm256_or_si256(va, vb)));
  }
  uint64_t both = HorizontalSum64(both_acc);
  uint64_t either = HorizontalSum64(either_acc);
  for (; i + 8 <= bytes; i += 8) {
    uint64_t wa = LoadWord(a + i), wb = LoadWord(b + i);
    both += _mm_popcnt_u64(wa & wb);
    either += _mm_popcnt_u64(wa | wb);
  }
  for (; i < bytes; ++i) {
    both += _mm_popcnt_u32(a[i] & b[i]);
    either += _mm_popcnt_u32(a[i] | b[i]);
  }
  return JaccardFromCounts(both, either);
}

void ip_f32_batch_avx2(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                       float* out) {
  for (size_t i = 0; i < nx; i += kTileX) {
    size_t mx = nx - i < kTileX ? nx - i : kTileX;
    for (size_t j = 0; j < ny; j += kTileY) {
      size_t my = ny - j < kTileY ? ny - j : kTileY;
      kTiles[mx - 1][my - 1](x + i * dim, y + j * dim, dim, ny, out + i * ny + j);
    }
  }
}

}  // namespace strata::simd
