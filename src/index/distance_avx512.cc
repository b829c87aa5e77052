// AVX-512 (F/BW/VL/DQ) float kernels. This file alone is compiled with the AVX-512 flags (see
// CMakeLists.txt); distance.cc only installs these after cpuid says the CPU has them. Tails
// use masked loads, so no element past `dim` is ever read.
// GCC 12 warns inside its own AVX-512 headers (intrinsics built on _mm*_undefined_*(), GCC
// bug 105593); the warning is about the header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "index/distance_kernels.h"

namespace strata::simd {

namespace {

__mmask16 TailMask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }

__m256 FoldTo256(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
}

// Sums each of four vectors into one lane of the result: [sum(a), sum(b), sum(c), sum(d)].
// Every lane is reduced by the same tree whatever the other inputs are.
__m128 Reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  __m256 ab = _mm256_hadd_ps(FoldTo256(a), FoldTo256(b));
  __m256 cd = _mm256_hadd_ps(FoldTo256(c), FoldTo256(d));
  __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// Dot products of MX rows of x with MY rows of y, one accumulator per pair.
template <int MX, int MY>
void Tile(const float* x, const float* y, size_t dim, size_t ldo, float* out) {
  __m512 acc[MX][MY];
#pragma GCC unroll 8
  for (int i = 0; i < MX; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  size_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    __m512 yv[MY];
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) yv[j] = _mm512_loadu_ps(y + j * dim + d);
#pragma GCC unroll 8
    for (int i = 0; i < MX; ++i) {
      __m512 xv = _mm512_loadu_ps(x + i * dim + d);
#pragma GCC unroll 8
      for (int j = 0; j < MY; ++j) acc[i][j] = _mm512_fmadd_ps(xv, yv[j], acc[i][j]);
    }
  }
  if (d < dim) {
    __mmask16 mask = TailMask(dim - d);
    __m512 yv[MY];
#pragma GCC unroll 8
    for (int j = 0; j < MY; ++j) yv[j] = _mm512_maskz_loadu_ps(mask, y + j * dim + d);
#pragma GCC unroll 8
    for (int i = 0; i < MX; ++i) {
      __m512 xv = _mm512_maskz_loadu_ps(mask, x + i * dim + d);
#pragma GCC unroll 8
      for (int j = 0; j < MY; ++j) acc[i][j] = _mm512_fmadd_ps(xv, yv[j], acc[i][j]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < MX; ++i) {
    __m128 sums = Reduce4(acc[i][0], MY > 1 ? acc[i][1 % MY] : zero, MY > 2 ? acc[i][2 % MY] : zero,
                          MY > 3 ? acc[i][3 % MY] : zero);
    if constexpr (MY == 4) {
      _mm_storeu_ps(out + i * ldo, sums);
    } else {
      _mm_mask_storeu_ps(out + i * ldo, static_cast<__mmask8>((1u << MY) - 1), sums);
    }
  }
}

constexpr size_t kTileX = 4;  // 4 x 4 tile: 16 accumulators + 5 operands of the 32 registers.
constexpr size_t kTileY = 4;
using TileFn = void (*)(const float*, const float*, size_t, size_t, float*);
constexpr TileFn kTiles[kTileX][kTileY] = {{Tile<1, 1>, Tile<1, 2>, Tile<1, 3>, Tile<1, 4>},
                                           {Tile<2, 1>, Tile<2, 2>, Tile<2, 3>, Tile<2, 4>},
                                           {Tile<3, 1>, Tile<3, 2>, Tile<3, 3>, Tile<3, 4>},
                                           {Tile<4, 1>, Tile<4, 2>, Tile<4, 3>, Tile<4, 4>}};

}  // namespace

float l2sq_f32_avx512(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    __m512 d2 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32));
    __m512 d3 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48));
    acc0 = _mm512_fmadd_ps(d0, d0, acc0);
    acc1 = _mm512_fmadd_ps(d1, d1, acc1);
    acc2 = _mm512_fmadd_ps(d2, d2, acc2);
    acc3 = _mm512_fmadd_ps(d3, d3, acc3);
  }
  for (; i + 16 <= dim; i += 16) {
    __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    acc0 = _mm512_fmadd_ps(d, d, acc0);
  }
  if (i < dim) {
    __mmask16 mask = TailMask(dim - i);
    __m512 d =
        _mm512_sub_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i));
    acc1 = _mm512_fmadd_ps(d, d, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

float ip_f32_avx512(const float* a, const float* b, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= dim; i += 64) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), acc3);
  }
  for (; i + 16 <= dim; i += 16) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), acc0);
  }
  if (i < dim) {
    __mmask16 mask = TailMask(dim - i);
    acc1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + i), _mm512_maskz_loadu_ps(mask, b + i),
                           acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

void ip_f32_batch_avx512(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
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
