// AVX2 + FMA IVF_SQ8 kernels; compiled with -mavx2 -mfma only (see CMakeLists.txt) and used
// only after cpuid says the CPU has them. Eight codes are widened to floats per step; the
// tail runs scalar, so nothing past `dim` is read.
#include <immintrin.h>

#include <cstring>

#include "index/ivf_sq8_kernels.h"

namespace strata::simd {

namespace {

__m256 LoadCodes8(const uint8_t* code) {
  int64_t bytes;
  std::memcpy(&bytes, code, sizeof(bytes));
  return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes)));
}

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

float sq8_l2_avx2(const float* q, const float* scale, const uint8_t* code, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    __m256 x0 = _mm256_mul_ps(_mm256_loadu_ps(scale + d), LoadCodes8(code + d));
    __m256 x1 = _mm256_mul_ps(_mm256_loadu_ps(scale + d + 8), LoadCodes8(code + d + 8));
    __m256 e0 = _mm256_sub_ps(_mm256_loadu_ps(q + d), x0);
    __m256 e1 = _mm256_sub_ps(_mm256_loadu_ps(q + d + 8), x1);
    acc0 = _mm256_fmadd_ps(e0, e0, acc0);
    acc1 = _mm256_fmadd_ps(e1, e1, acc1);
  }
  for (; d + 8 <= dim; d += 8) {
    __m256 e = _mm256_sub_ps(_mm256_loadu_ps(q + d),
                             _mm256_mul_ps(_mm256_loadu_ps(scale + d), LoadCodes8(code + d)));
    acc0 = _mm256_fmadd_ps(e, e, acc0);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; d < dim; ++d) {
    float e = q[d] - scale[d] * static_cast<float>(code[d]);
    sum += e * e;
  }
  return sum;
}

float sq8_ip_avx2(const float* q, const uint8_t* code, size_t dim) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t d = 0;
  for (; d + 16 <= dim; d += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), LoadCodes8(code + d), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), LoadCodes8(code + d + 8), acc1);
  }
  for (; d + 8 <= dim; d += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), LoadCodes8(code + d), acc0);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; d < dim; ++d) sum += q[d] * static_cast<float>(code[d]);
  return sum;
}

}  // namespace strata::simd
