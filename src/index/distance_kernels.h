// Internal: the per-ISA kernels behind DistanceKernels, named <metric>_<type>_<isa>. Only
// distance.cc (which checks cpuid before using them) and tests of the reference may call the
// non-ref ones directly; calling an AVX kernel on a CPU without it is undefined behaviour.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata::simd {

// distance_ref.cc: plain loops, any x86-64; the test oracle.
float l2sq_f32_ref(const float* a, const float* b, size_t dim);
float ip_f32_ref(const float* a, const float* b, size_t dim);
float hamming_b8_ref(const uint8_t* a, const uint8_t* b, size_t bytes);
float jaccard_b8_ref(const uint8_t* a, const uint8_t* b, size_t bytes);
void ip_f32_batch_ref(const float* x, size_t nx, const float* y, size_t ny, size_t dim, float* out);

// distance_avx2.cc: AVX2 + FMA + POPCNT.
float l2sq_f32_avx2(const float* a, const float* b, size_t dim);
float ip_f32_avx2(const float* a, const float* b, size_t dim);
float hamming_b8_avx2(const uint8_t* a, const uint8_t* b, size_t bytes);
float jaccard_b8_avx2(const uint8_t* a, const uint8_t* b, size_t bytes);
void ip_f32_batch_avx2(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                       float* out);

// distance_avx512.cc: AVX-512 F/BW/VL/DQ.
float l2sq_f32_avx512(const float* a, const float* b, size_t dim);
float ip_f32_avx512(const float* a, const float* b, size_t dim);
void ip_f32_batch_avx512(const float* x, size_t nx, const float* y, size_t ny, size_t dim,
                         float* out);

// distance_avx512_vpopcnt.cc: AVX-512 F/BW + VPOPCNTDQ (binary kernels only; CPUs with
// AVX-512 but without VPOPCNTDQ use the AVX2 binary kernels).
float hamming_b8_avx512(const uint8_t* a, const uint8_t* b, size_t bytes);
float jaccard_b8_avx512(const uint8_t* a, const uint8_t* b, size_t bytes);

// Shared by every ISA so the binary kernels agree bit for bit. Defined in distance_ref.cc:
// an inline definition here could be emitted from an AVX file and then picked by the linker
// for baseline callers.
float JaccardFromCounts(uint64_t intersection, uint64_t union_count);

}  // namespace strata::simd
