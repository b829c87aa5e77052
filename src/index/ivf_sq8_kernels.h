// Kernels for IVF_SQ8: distances from a float query to 8-bit codes, decoding on the fly.
//
// A code row holds one byte c[d] per dimension. The caller folds the per-dimension offset into
// the query, so the kernels compute
//   l2:  sum_d (q[d] - scale[d] * c[d])^2
//   ip:  sum_d q[d] * c[d]        (q already multiplied by scale)
// One variant per SimdLevel, as in distance.h: a scalar reference (the test oracle), AVX2+FMA
// and AVX-512, each in its own file with its own compiler flags; Sq8KernelsFor() picks by the
// level distance.h's Kernels() chose, so STRATA_SIMD steers both. Thread-safe, stateless.
#pragma once

#include <cstddef>
#include <cstdint>

#include "index/distance.h"

namespace strata {

struct Sq8Kernels {
  float (*l2)(const float* q, const float* scale, const uint8_t* code, size_t dim);
  float (*ip)(const float* q, const uint8_t* code, size_t dim);
};

// The kernels for `level`, which the CPU must support (see CpuSupports()).
const Sq8Kernels& Sq8KernelsFor(SimdLevel level);
// The kernels for Kernels().level.
const Sq8Kernels& ActiveSq8Kernels();

namespace simd {
float sq8_l2_ref(const float* q, const float* scale, const uint8_t* code, size_t dim);
float sq8_ip_ref(const float* q, const uint8_t* code, size_t dim);
float sq8_l2_avx2(const float* q, const float* scale, const uint8_t* code, size_t dim);
float sq8_ip_avx2(const float* q, const uint8_t* code, size_t dim);
float sq8_l2_avx512(const float* q, const float* scale, const uint8_t* code, size_t dim);
float sq8_ip_avx512(const float* q, const uint8_t* code, size_t dim);
}  // namespace simd

}  // namespace strata
