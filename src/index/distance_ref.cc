// Scalar reference kernels: built for baseline x86-64, used where the CPU has no AVX2 and as
// the oracle the SIMD variants are tested against. Kept as plain loops on purpose.
#include <bit>
#include <cstring>

#include "index/distance_kernels.h"

namespace strata::simd {

namespace {

uint64_t LoadWord(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

}  // namespace

float JaccardFromCounts(uint64_t intersection, uint64_t union_count) {
  if (union_count == 0) return 0.0f;
  return 1.0f -
         static_cast<float>(static_cast<double>(intersection) / static_cast<double>(union_count));
}

float l2sq_f32_ref(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    float d = a[i] - b[i];
    sum += d * d;
  }
  return sum;
}

float ip_f32_ref(const float* a, const float* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) sum += a[i] * b[i];
  return sum;
}

float hamming_b8_ref(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) count += std::popcount(LoadWord(a + i) ^ LoadWord(b + i));
  for (; i < bytes; ++i) count += std::popcount(static_cast<uint8_t>(a[i] ^ b[i]));
  return static_cast<float>(count);
}

float jaccard_b8_ref(const uint8_t* a, const uint8_t* b, size_t bytes) {
  uint64_t both = 0;
  uint64_t either = 0;
  for (size_t i = 0; i < bytes; ++i) {
    both += std::popcount(static_cast<uint8_t>(a[i] & b[i]));
    either += std::popcount(static_cast<uint8_t>(a[i] | b[i]));
  }
  return JaccardFromCounts(both, either);
}

void ip_f32_batch_ref(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                      float* out) {
  for (size_t i = 0; i < nx; ++i) {
    for (size_t j = 0; j < ny; ++j) out[i * ny + j] = ip_f32_ref(x + i * dim, y + j * dim, dim);
  }
}

}  // namespace strata::simd
