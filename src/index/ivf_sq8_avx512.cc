// AVX-512 (F/BW/VL/DQ) IVF_SQ8 kernels; this file alone gets the AVX-512 flags (see
// CMakeLists.txt) and its kernels run only after cpuid says the CPU has them. Sixteen codes
// are widened to floats per step; the tail uses masked loads, so nothing past `dim` is read.
// GCC 12 warns inside its own AVX-512 headers (GCC bug 105593); see distance_avx512.cc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "index/ivf_sq8_kernels.h"

namespace strata::simd {

namespace {

__mmask16 TailMask(size_t n) { return static_cast<__mmask16>((1u << n) - 1); }

// The zero-masking forms avoid the _mm512_undefined_*() inside the plain conversions, which
// GCC 12 reports as maybe-uninitialized once inlined.
__m512 MaskLoadCodes16(__mmask16 mask, const uint8_t* code) {
  return _mm512_maskz_cvtepi32_ps(
      mask, _mm512_maskz_cvtepu8_epi32(mask, _mm_maskz_loadu_epi8(mask, code)));
}

__m512 LoadCodes16(const uint8_t* code) {
  const __mmask16 all = 0xffff;
  return _mm512_maskz_cvtepi32_ps(
      all,
      _mm512_maskz_cvtepu8_epi32(all, _mm_loadu_si128(reinterpret_cast<const __m128i*>(code))));
}

}  // namespace

float sq8_l2_avx512(const float* q, const float* scale, const uint8_t* code, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  size_t d = 0;
  for (; d + 32 <= dim; d += 32) {
    __m512 e0 =
        _mm512_fnmadd_ps(_mm512_loadu_ps(scale + d), LoadCodes16(code + d), _mm512_loadu_ps(q + d));
    __m512 e1 = _mm512_fnmadd_ps(_mm512_loadu_ps(scale + d + 16), LoadCodes16(code + d + 16),
                                 _mm512_loadu_ps(q + d + 16));
    acc0 = _mm512_fmadd_ps(e0, e0, acc0);
    acc1 = _mm512_fmadd_ps(e1, e1, acc1);
  }
  for (; d + 16 <= dim; d += 16) {
    __m512 e =
        _mm512_fnmadd_ps(_mm512_loadu_ps(scale + d), LoadCodes16(code + d), _mm512_loadu_ps(q + d));
    acc0 = _mm512_fmadd_ps(e, e, acc0);
  }
  if (d < dim) {
    __mmask16 mask = TailMask(dim - d);
    __m512 e =
        _mm512_fnmadd_ps(_mm512_maskz_loadu_ps(mask, scale + d), MaskLoadCodes16(mask, code + d),
                         _mm512_maskz_loadu_ps(mask, q + d));
    acc1 = _mm512_fmadd_ps(e, e, acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

float sq8_ip_avx512(const float* q, const uint8_t* code, size_t dim) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  size_t d = 0;
  for (; d + 32 <= dim; d += 32) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), LoadCodes16(code + d), acc0);
    acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + d + 16), LoadCodes16(code + d + 16), acc1);
  }
  for (; d + 16 <= dim; d += 16) {
    acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), LoadCodes16(code + d), acc0);
  }
  if (d < dim) {
    __mmask16 mask = TailMask(dim - d);
    acc1 =
        _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, q + d), MaskLoadCodes16(mask, code + d), acc1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(acc0, acc1));
}

}  // namespace strata::simd
