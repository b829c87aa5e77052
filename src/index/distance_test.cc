#include "index/distance.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "index/distance_kernels.h"

namespace strata {
namespace {

constexpr size_t kDims[] = {1, 3, 7, 15, 16, 17, 31, 100, 127, 128, 129, 784, 1023};

double RefL2(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return s;
}

double RefIp(const float* a, const float* b, size_t dim) {
  double s = 0;
  for (size_t i = 0; i < dim; ++i) s += double(a[i]) * b[i];
  return s;
}

// Relative tolerance 1e-4 on the magnitude of the terms, so sums that cancel to near zero are
// not held to an impossible relative bound.
void ExpectClose(double expected, float actual, double magnitude, const std::string& what) {
  EXPECT_NEAR(actual, expected, 1e-4 * std::max(1.0, magnitude)) << what;
}

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

std::vector<SimdLevel> AvailableLevels() {
  std::vector<SimdLevel> levels;
  for (SimdLevel l : {SimdLevel::kRef, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (KernelsFor(l) != nullptr) levels.push_back(l);
  }
  return levels;
}

class KernelTest : public ::testing::TestWithParam<SimdLevel> {
 protected:
  const DistanceKernels& K() { return *KernelsFor(GetParam()); }
};

TEST_P(KernelTest, FloatKernelsMatchReferenceOnOddDimsAndUnalignedInput) {
  for (size_t dim : kDims) {
    // Offset by one float so the vectors are not 16-, 32- or 64-byte aligned.
    std::vector<float> buf_a = RandomFloats(dim + 1, 1 + dim),
                       buf_b = RandomFloats(dim + 1, 2 * dim);
    const float* a = buf_a.data() + 1;
    const float* b = buf_b.data() + 1;
    std::string what = "dim " + std::to_string(dim);
    ExpectClose(RefL2(a, b, dim), K().l2sq_f32(a, b, dim), RefL2(a, b, dim), what);
    double abs_ip = 0;
    for (size_t i = 0; i < dim; ++i) abs_ip += std::fabs(double(a[i]) * b[i]);
    ExpectClose(RefIp(a, b, dim), K().ip_f32(a, b, dim), abs_ip, what);
    EXPECT_NEAR(K().l2sq_f32(a, b, dim), simd::l2sq_f32_ref(a, b, dim),
                1e-4 * std::max(1.0, RefL2(a, b, dim)))
        << what;
  }
}

TEST_P(KernelTest, BatchMatchesPairwiseForEveryTileShape) {
  for (size_t dim : kDims) {
    for (size_t nx : {1, 2, 3, 4, 5, 9}) {
      size_t ny = 11;  // covers full tiles and every remainder
      std::vector<float> x_buf = RandomFloats(nx * dim + 1, 7),
                         y_buf = RandomFloats(ny * dim + 1, 8);
      const float* x = x_buf.data() + 1;
      const float* y = y_buf.data() + 1;
      std::vector<float> out(nx * ny, -99.0f);
      K().ip_f32_batch(x, nx, y, ny, dim, out.data());
      for (size_t i = 0; i < nx; ++i) {
        for (size_t j = 0; j < ny; ++j) {
          double abs_ip = 0;
          for (size_t d = 0; d < dim; ++d)
            abs_ip += std::fabs(double(x[i * dim + d]) * y[j * dim + d]);
          ExpectClose(RefIp(x + i * dim, y + j * dim, dim), out[i * ny + j], abs_ip,
                      "dim " + std::to_string(dim) + " pair " + std::to_string(i) + "," +
                          std::to_string(j));
        }
      }
      // A pair's value must not depend on where it falls in the tiling.
      std::vector<float> single(1);
      K().ip_f32_batch(x + (nx - 1) * dim, 1, y + (ny - 1) * dim, 1, dim, single.data());
      EXPECT_EQ(single[0], out[nx * ny - 1]) << "dim " << dim;
    }
  }
}

TEST_P(KernelTest, BinaryKernelsMatchReferenceExactly) {
  for (size_t bytes : {1, 2, 7, 8, 9, 16, 31, 32, 33, 63, 64, 65, 100, 128, 129, 1000}) {
    std::vector<uint8_t> buf_a = RandomBytes(bytes + 1, 3), buf_b = RandomBytes(bytes + 1, 4);
    const uint8_t* a = buf_a.data() + 1;
    const uint8_t* b = buf_b.data() + 1;
    uint64_t diff = 0, both = 0, either = 0;
    for (size_t i = 0; i < bytes; ++i) {
      diff += __builtin_popcount(a[i] ^ b[i]);
      both += __builtin_popcount(a[i] & b[i]);
      either += __builtin_popcount(a[i] | b[i]);
    }
    EXPECT_EQ(K().hamming_b8(a, b, bytes), float(diff)) << bytes;
    EXPECT_EQ(K().jaccard_b8(a, b, bytes), simd::jaccard_b8_ref(a, b, bytes)) << bytes;
    EXPECT_NEAR(K().jaccard_b8(a, b, bytes), 1.0 - double(both) / double(either), 1e-6) << bytes;
  }
}

TEST_P(KernelTest, JaccardEdgeCases) {
  std::vector<uint8_t> zero(70, 0), ones(70, 0xff), half(70, 0x0f);
  EXPECT_EQ(K().jaccard_b8(zero.data(), zero.data(), 70), 0.0f);
  EXPECT_EQ(K().jaccard_b8(ones.data(), ones.data(), 70), 0.0f);
  EXPECT_EQ(K().jaccard_b8(zero.data(), ones.data(), 70), 1.0f);
  EXPECT_FLOAT_EQ(K().jaccard_b8(half.data(), ones.data(), 70), 0.5f);
  EXPECT_EQ(K().hamming_b8(zero.data(), ones.data(), 70), 560.0f);
}

INSTANTIATE_TEST_SUITE_P(Levels, KernelTest, ::testing::ValuesIn(AvailableLevels()),
                         [](const auto& info) { return std::string(SimdLevelName(info.param)); });

TEST(DispatchTest, RefAlwaysAvailableAndLevelsAreNested) {
  ASSERT_NE(KernelsFor(SimdLevel::kRef), nullptr);
  EXPECT_EQ(KernelsFor(SimdLevel::kRef)->level, SimdLevel::kRef);
  if (CpuSupports(SimdLevel::kAvx512)) {
    EXPECT_TRUE(CpuSupports(SimdLevel::kAvx2));
  }
  for (SimdLevel l : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    EXPECT_EQ(KernelsFor(l) != nullptr, CpuSupports(l));
    if (KernelsFor(l) != nullptr) {
      EXPECT_EQ(KernelsFor(l)->level, l);
    }
  }
}

TEST(DispatchTest, ChooseHonoursSupportedRequestsAndFallsBack) {
  SimdLevel best = ChooseSimdLevel("");
  EXPECT_TRUE(CpuSupports(best));
  EXPECT_EQ(ChooseSimdLevel("ref"), SimdLevel::kRef);
  EXPECT_EQ(ChooseSimdLevel("REF"), SimdLevel::kRef);
  EXPECT_EQ(ChooseSimdLevel("sse9"), best);
  for (SimdLevel l : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    EXPECT_EQ(ChooseSimdLevel(SimdLevelName(l)), CpuSupports(l) ? l : best);
  }
}

TEST(DispatchTest, ParseSimdLevel) {
  EXPECT_EQ(*ParseSimdLevel("avx2"), SimdLevel::kAvx2);
  EXPECT_EQ(*ParseSimdLevel("AVX512"), SimdLevel::kAvx512);
  EXPECT_EQ(ParseSimdLevel("neon").status().code(), StatusCode::kInvalidArgument);
}

TEST(DispatchTest, ActiveTableFollowsEnvironment) {
  // The table is resolved once per process; whatever STRATA_SIMD said (ctest runs without it)
  // must be what Kernels() picked.
  const char* env = std::getenv("STRATA_SIMD");
  EXPECT_EQ(Kernels().level, ChooseSimdLevel(env != nullptr ? env : ""));
  EXPECT_EQ(SimdLevelName(), SimdLevelName(Kernels().level));
  float a[3] = {1, 2, 3}, b[3] = {1, 0, 5};
  EXPECT_FLOAT_EQ(L2Sqr(a, b, 3), 8.0f);
  EXPECT_FLOAT_EQ(InnerProduct(a, b, 3), 16.0f);
}

}  // namespace
}  // namespace strata
