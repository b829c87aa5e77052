#include "index/distance.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "index/distance_kernels.h"

namespace strata {

namespace {

const DistanceKernels kRefKernels = {simd::l2sq_f32_ref,
                                     simd::ip_f32_ref,
                                     simd::hamming_b8_ref,
                                     simd::jaccard_b8_ref,
                                     simd::ip_f32_batch_ref,
                                     SimdLevel::kRef,
                                     "ref"};
const DistanceKernels kAvx2Kernels = {simd::l2sq_f32_avx2,
                                      simd::ip_f32_avx2,
                                      simd::hamming_b8_avx2,
                                      simd::jaccard_b8_avx2,
                                      simd::ip_f32_batch_avx2,
                                      SimdLevel::kAvx2,
                                      "avx2"};
// VPOPCNTDQ came after the first AVX-512 CPUs, so the binary kernels are chosen separately.
const DistanceKernels kAvx512Kernels = {simd::l2sq_f32_avx512,
                                        simd::ip_f32_avx512,
                                        simd::hamming_b8_avx2,
                                        simd::jaccard_b8_avx2,
                                        simd::ip_f32_batch_avx512,
                                        SimdLevel::kAvx512,
                                        "avx512"};
const DistanceKernels kAvx512PopcntKernels = {simd::l2sq_f32_avx512,     simd::ip_f32_avx512,
                                              simd::hamming_b8_avx512,   simd::jaccard_b8_avx512,
                                              simd::ip_f32_batch_avx512, SimdLevel::kAvx512,
                                              "avx512+vpopcntdq"};

SimdLevel BestLevel() {
  if (CpuSupports(SimdLevel::kAvx512)) return SimdLevel::kAvx512;
  if (CpuSupports(SimdLevel::kAvx2)) return SimdLevel::kAvx2;
  return SimdLevel::kRef;
}

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool CpuSupports(SimdLevel level) {
  // libgcc's checks include the OS (XGETBV) saving the wider register state.
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kRef:
      return true;
    case SimdLevel::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
             __builtin_cpu_supports("popcnt");
    case SimdLevel::kAvx512:
      return CpuSupports(SimdLevel::kAvx2) && __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
}

const DistanceKernels* KernelsFor(SimdLevel level) {
  if (!CpuSupports(level)) return nullptr;
  switch (level) {
    case SimdLevel::kRef:
      return &kRefKernels;
    case SimdLevel::kAvx2:
      return &kAvx2Kernels;
    case SimdLevel::kAvx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512vpopcntdq") ? &kAvx512PopcntKernels : &kAvx512Kernels;
  }
  return nullptr;
}

Result<SimdLevel> ParseSimdLevel(std::string_view name) {
  std::string lower;
  for (char c : name) lower += ToLower(c);
  for (SimdLevel level : {SimdLevel::kRef, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (lower == SimdLevelName(level)) return level;
  }
  return InvalidArgument("unknown SIMD level \"" + std::string(name) +
                         "\"; valid: ref, avx2, avx512");
}

std::string_view SimdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::kRef:
      return "ref";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "unknown";
}

std::string_view SimdLevelName() { return SimdLevelName(Kernels().level); }

SimdLevel ChooseSimdLevel(std::string_view requested) {
  SimdLevel best = BestLevel();
  if (requested.empty()) return best;
  Result<SimdLevel> parsed = ParseSimdLevel(requested);
  if (!parsed.ok()) {
    spdlog::warn("STRATA_SIMD: {}; using {}", parsed.status().message(), SimdLevelName(best));
    return best;
  }
  if (!CpuSupports(*parsed)) {
    spdlog::warn("STRATA_SIMD={}: not supported by this CPU; using {}", requested,
                 SimdLevelName(best));
    return best;
  }
  return *parsed;
}

const DistanceKernels& Kernels() {
  // Resolved once; the function-local static makes the first use thread-safe.
  static const DistanceKernels* const kernels = [] {
    const char* env = std::getenv("STRATA_SIMD");
    const DistanceKernels* chosen = KernelsFor(ChooseSimdLevel(env != nullptr ? env : ""));
    spdlog::info("distance kernels: {}", chosen->isa);
    return chosen;
  }();
  return *kernels;
}

}  // namespace strata
