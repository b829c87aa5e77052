#include "index/ivf_sq8_kernels.h"

namespace strata {

namespace simd {

float sq8_l2_ref(const float* q, const float* scale, const uint8_t* code, size_t dim) {
  float sum = 0;
  for (size_t d = 0; d < dim; ++d) {
    float diff = q[d] - scale[d] * static_cast<float>(code[d]);
    sum += diff * diff;
  }
  return sum;
}

float sq8_ip_ref(const float* q, const uint8_t* code, size_t dim) {
  float sum = 0;
  for (size_t d = 0; d < dim; ++d) sum += q[d] * static_cast<float>(code[d]);
  return sum;
}

}  // namespace simd

const Sq8Kernels& Sq8KernelsFor(SimdLevel level) {
  static const Sq8Kernels kRef = {simd::sq8_l2_ref, simd::sq8_ip_ref};
  static const Sq8Kernels kAvx2 = {simd::sq8_l2_avx2, simd::sq8_ip_avx2};
  static const Sq8Kernels kAvx512 = {simd::sq8_l2_avx512, simd::sq8_ip_avx512};
  switch (level) {
    case SimdLevel::kAvx2:
      return kAvx2;
    case SimdLevel::kAvx512:
      return kAvx512;
    case SimdLevel::kRef:
      break;
  }
  return kRef;
}

const Sq8Kernels& ActiveSq8Kernels() { return Sq8KernelsFor(Kernels().level); }

}  // namespace strata
