// AVX-512 binary kernels using VPOPCNTDQ. This file alone is compiled with -mavx512vpopcntdq
// (see CMakeLists.txt); distance.cc only installs these when cpuid reports VPOPCNTDQ. Tails
// use masked byte loads (AVX-512 BW), so no byte past `bytes` is read.
// GCC 12 warns inside its own AVX-512 headers (intrinsics built on _mm*_undefined_*(), GCC
// bug 105593); the warning is about the header, not this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include "index/distance_kernels.h"

namespace strata::simd {

namespace {

__mmask64 TailMask(size_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

}  // namespace

float hamming_b8_avx512(const uint8_t* a, const uint8_t* b, size_t bytes) {
  __m512i acc = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= bytes; i += 64) {
    __m512i diff = _mm512_xor_si512(_mm512_loadu_si512(a + i), _mm512_loadu_si512(b + i));
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(diff));
  }
  if (i < bytes) {
    __mmask64 mask = TailMask(bytes - i);
    __m512i diff = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, a + i),
                                    _mm512_maskz_loadu_epi8(mask, b + i));
    acc = _mm512_add_epi64(acc, _mm512_popcnt_epi64(diff));
  }
  return static_cast<float>(_mm512_reduce_add_epi64(acc));
}

float jaccard_b8_avx512(const uint8_t* a, const uint8_t* b, size_t bytes) {
  __m512i both = _mm512_setzero_si512();
  __m512i either = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= bytes; i += 64) {
    __m512i va = _mm512_loadu_si512(a + i);
    __m512i vb = _mm512_loadu_si512(b + i);
    both = _mm512_add_epi64(both, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
    either = _mm512_add_epi64(either, _mm512_popcnt_epi64(_mm512_or_si512(va, vb)));
  }
  if (i < bytes) {
    __mmask64 mask = TailMask(bytes - i);
    __m512i va = _mm512_maskz_loadu_epi8(mask, a + i);
    __m512i vb = _mm512_maskz_loadu_epi8(mask, b + i);
    both = _mm512_add_epi64(both, _mm512_popcnt_epi64(_mm512_and_si512(va, vb)));
    either = _mm512_add_epi64(either, _mm512_popcnt_epi64(_mm512_or_si512(va, vb)));
  }
  return JaccardFromCounts(static_cast<uint64_t>(_mm512_reduce_add_epi64(both)),
                           static_cast<uint64_t>(_mm512_reduce_add_epi64(either)));
}

}  // namespace strata::simd
