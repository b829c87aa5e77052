// Distance kernels with run-time SIMD dispatch.
//
// Every kernel exists for each SimdLevel (scalar reference, AVX2+FMA, AVX-512); the binary is
// built for baseline x86-64 and only the per-ISA source files use wider instructions. The
// level is chosen once, on first use of Kernels(), from cpuid: the best the CPU supports, or
// the one named by the environment variable STRATA_SIMD (ref|avx2|avx512) when the CPU has it
// (otherwise the best available, with a warning). The choice is logged once.
//
// Kernels read `dim` floats (or `bytes` bytes) from each pointer; no alignment is required.
// All functions here are thread-safe; the tables they return live for the whole process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/result.h"

namespace strata {

enum class SimdLevel { kRef, kAvx2, kAvx512 };

struct DistanceKernels {
  // Squared Euclidean distance.
  float (*l2sq_f32)(const float* a, const float* b, size_t dim);
  // Dot product.
  float (*ip_f32)(const float* a, const float* b, size_t dim);
  // Number of differing bits.
  float (*hamming_b8)(const uint8_t* a, const uint8_t* b, size_t bytes);
  // 1 - popcount(a & b) / popcount(a | b); 0 when both are all zeros.
  float (*jaccard_b8)(const uint8_t* a, const uint8_t* b, size_t bytes);
  // Dot products of every row of x (nx rows) with every row of y (ny rows), both row-major
  // with `dim` floats per row: out[i * ny + j] = <x_i, y_j>. Blocked into register tiles; each
  // pair's result is the same whatever its position in the tile.
  void (*ip_f32_batch)(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                       float* out);
  SimdLevel level;
  // Instruction sets used, for logs ("ref", "avx2", "avx512", "avx512+vpopcntdq").
  const char* isa;
};

// The process-wide table (see the file comment for how it is chosen).
const DistanceKernels& Kernels();
// The table for one level, or nullptr when this CPU lacks it. For tests and benchmarks.
const DistanceKernels* KernelsFor(SimdLevel level);
// Whether this CPU (and OS) supports the level.
bool CpuSupports(SimdLevel level);
// The level Kernels() uses for a STRATA_SIMD value: empty -> the best supported; a supported
// level -> that level; an unknown or unsupported value -> the best supported, logging a warning.
SimdLevel ChooseSimdLevel(std::string_view requested);
// "ref", "avx2", "avx512" (case-insensitive) -> level; InvalidArgument otherwise.
Result<SimdLevel> ParseSimdLevel(std::string_view name);
// The level's name; by default the active level's.
std::string_view SimdLevelName(SimdLevel level);
std::string_view SimdLevelName();

// Convenience wrappers over Kernels().
inline float L2Sqr(const float* a, const float* b, size_t dim) {
  return Kernels().l2sq_f32(a, b, dim);
}
inline float InnerProduct(const float* a, const float* b, size_t dim) {
  return Kernels().ip_f32(a, b, dim);
}
inline float Hamming(const uint8_t* a, const uint8_t* b, size_t bytes) {
  return Kernels().hamming_b8(a, b, bytes);
}
inline float Jaccard(const uint8_t* a, const uint8_t* b, size_t bytes) {
  return Kernels().jaccard_b8(a, b, bytes);
}

}  // namespace strata
