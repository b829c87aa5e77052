#include "index/kmeans.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <set>

#include "index/distance.h"
#include "index/ivf_common.h"
#include "index/ivf_test_util.h"
#include "index/vector_index.h"

namespace strata {
namespace {

TEST(KMeansTest, FindsWellSeparatedClusters) {
  // Four tight clusters far apart: each centroid must land near one true centre.
  constexpr int64_t dim = 8, per = 500;
  const float centres[4] = {-100, -30, 30, 100};
  std::vector<float> rows;
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0, 1);
  for (float c : centres) {
    for (int64_t i = 0; i < per; ++i) {
      for (int64_t d = 0; d < dim; ++d) rows.push_back(c + noise(rng));
    }
  }
  ThreadPool pool(2);
  auto centroids = TrainKMeans(rows.data(), 4 * per, dim, 4, KMeansOptions{}, &pool);
  ASSERT_TRUE(centroids.ok());
  std::set<int> matched;
  for (int c = 0; c < 4; ++c) {
    for (int t = 0; t < 4; ++t) {
      if (std::fabs((*centroids)[static_cast<size_t>(c * dim)] - centres[t]) < 1) matched.insert(t);
    }
  }
  EXPECT_EQ(matched.size(), 4u);
}

TEST(KMeansTest, DeterministicWithAndWithoutPool) {
  std::vector<float> rows = testing_util::ClusteredFloats(3000, 16, 10, 2);
  ThreadPool pool(2);
  auto a = TrainKMeans(rows.data(), 3000, 16, 32, KMeansOptions{}, &pool);
  auto b = TrainKMeans(rows.data(), 3000, 16, 32, KMeansOptions{}, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(KMeansTest, DuplicateRowsStillUseEveryCentroid) {
  // 100 copies of 3 distinct rows and k = 10: empty clusters must be split, not left unused.
  std::vector<float> rows;
  for (int i = 0; i < 300; ++i) {
    for (int d = 0; d < 4; ++d) rows.push_back(static_cast<float>(i % 3) + 0.001f * (i % 7) * d);
  }
  auto centroids = TrainKMeans(rows.data(), 300, 4, 10, KMeansOptions{}, nullptr);
  ASSERT_TRUE(centroids.ok());
  for (float v : *centroids) EXPECT_TRUE(std::isfinite(v));
}

TEST(KMeansTest, SphericalCentroidsAreUnitLength) {
  std::vector<float> rows = testing_util::ClusteredFloats(2000, 16, 8, 3);
  KMeansOptions options;
  options.spherical = true;
  auto centroids = TrainKMeans(rows.data(), 2000, 16, 8, options, nullptr);
  ASSERT_TRUE(centroids.ok());
  for (int c = 0; c < 8; ++c) {
    const float* v = centroids->data() + c * 16;
    EXPECT_NEAR(InnerProduct(v, v, 16), 1.0f, 1e-4);
  }
}

// A stopping server's flag ends the training, and every IVF type built on it, with Cancelled.
TEST(KMeansTest, CancelledTrainingAndIvfBuildsStop) {
  std::vector<float> rows = testing_util::ClusteredFloats(2000, 16, 8, 6);
  std::atomic<bool> cancel{true};
  KMeansOptions options;
  options.cancel = &cancel;
  EXPECT_EQ(TrainKMeans(rows.data(), 2000, 16, 8, options, nullptr).status().code(),
            StatusCode::kCancelled);
  VectorData data{rows.data(), nullptr, 2000, 16};
  std::vector<uint8_t> bits(2000 * 16, 0x5a);
  VectorData binary{nullptr, bits.data(), 2000, 128};
  for (const char* type : {"IVF_FLAT", "IVF_SQ8", "IVF_PQ", "BIN_IVF_FLAT"}) {
    const bool is_binary = std::string_view(type) == "BIN_IVF_FLAT";
    IndexSpec spec{
        type, is_binary ? MetricType::kHamming : MetricType::kL2, {{"nlist", 16}, {"m", 4}}};
    const VectorData& input = is_binary ? binary : data;
    EXPECT_EQ(BuildVectorIndex(spec, input, nullptr, &cancel).status().code(),
              StatusCode::kCancelled)
        << type;
    cancel = false;
    EXPECT_TRUE(BuildVectorIndex(spec, input, nullptr, &cancel).ok()) << type;
    cancel = true;
  }
}

TEST(KMeansTest, AssignmentStopsBetweenChunksOnceCancelled) {
  std::atomic<bool> cancel{false};
  std::vector<int64_t> firsts;
  Status st = ivf::AssignInChunks(250, 100, &cancel, "test pass", [&](int64_t first, int64_t n) {
    firsts.push_back(first);
    EXPECT_EQ(n, 100);
    cancel = true;  // the server stops during the first chunk
  });
  EXPECT_EQ(st.code(), StatusCode::kCancelled);
  EXPECT_NE(st.message().find("test pass"), std::string::npos);
  EXPECT_EQ(firsts, std::vector<int64_t>{0});
  cancel = false;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  ASSERT_TRUE(ivf::AssignInChunks(250, 100, &cancel, "test pass", [&](int64_t first, int64_t n) {
                chunks.push_back({first, n});
              }).ok());
  EXPECT_EQ(chunks, (std::vector<std::pair<int64_t, int64_t>>{{0, 100}, {100, 100}, {200, 50}}));
}

TEST(KMeansTest, RejectsBadK) {
  std::vector<float> rows(40, 1.0f);
  EXPECT_FALSE(TrainKMeans(rows.data(), 10, 4, 11, KMeansOptions{}, nullptr).ok());
  EXPECT_FALSE(TrainKMeans(rows.data(), 10, 4, 0, KMeansOptions{}, nullptr).ok());
  EXPECT_TRUE(TrainKMeans(rows.data(), 10, 4, 10, KMeansOptions{}, nullptr).ok());
}

TEST(KMeansTest, NearestCentroidsMatchesBruteForce) {
  std::vector<float> rows = testing_util::ClusteredFloats(700, 13, 5, 4);
  std::vector<float> cents = testing_util::ClusteredFloats(300, 13, 5, 5);
  ThreadPool pool(2);
  for (bool ip : {false, true}) {
    std::vector<int32_t> labels(700 * 3);
    NearestCentroids(rows.data(), 700, 13, cents.data(), 300, 3, ip, &pool, labels.data());
    for (int64_t i = 0; i < 700; i += 37) {
      std::vector<std::pair<float, int32_t>> all;
      for (int32_t c = 0; c < 300; ++c) {
        const float* x = rows.data() + i * 13;
        const float* y = cents.data() + c * 13;
        all.push_back({ip ? -InnerProduct(x, y, 13) : L2Sqr(x, y, 13), c});
      }
      std::sort(all.begin(), all.end());
      // The batched form rounds differently from the direct kernel; compare distances.
      for (int p = 0; p < 3; ++p) {
        const float* x = rows.data() + i * 13;
        const float* y = cents.data() + labels[static_cast<size_t>(i * 3 + p)] * 13;
        float got = ip ? -InnerProduct(x, y, 13) : L2Sqr(x, y, 13);
        EXPECT_NEAR(got, all[static_cast<size_t>(p)].first, 1e-3 * (1 + std::fabs(got)));
      }
    }
  }
}

}  // namespace
}  // namespace strata
