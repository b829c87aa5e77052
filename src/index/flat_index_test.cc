#include "index/flat_index.h"

#include <gtest/gtest.h>

#include "index/ivf_test_util.h"

namespace strata {
namespace {

TEST(FlatIndexTest, MatchesFlatSearchAndRoundTrips) {
  std::vector<float> rows = testing_util::ClusteredFloats(1001, 24, 10, 1);
  ThreadPool pool(2);
  for (MetricType metric : {MetricType::kL2, MetricType::kIP, MetricType::kCosine}) {
    IndexSpec spec{"FLAT", metric, {}};
    auto index = BuildFlatIndex(spec, VectorData{rows.data(), nullptr, 1000, 24}, &pool);
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    EXPECT_EQ((*index)->size(), 1000);
    EXPECT_EQ((*index)->MemoryBytes(), 1000 * 24 * 4);
    Bitset allowed(1000, true);
    allowed.Clear(5);
    std::vector<TopK> want, got, loaded_got;
    const float* q = rows.data() + 1000 * 24;
    ASSERT_TRUE(
        SearchFloatFlat(rows.data(), 1000, 24, q, 1, metric, 7, &allowed, nullptr, &want).ok());
    ASSERT_TRUE((*index)->Search(q, 1, 7, {}, &allowed, &pool, &got).ok());
    EXPECT_EQ(got[0].ids, want[0].ids);
    EXPECT_EQ(got[0].scores, want[0].scores);
    std::string bytes;
    ASSERT_TRUE((*index)->Serialize(&bytes).ok());
    auto loaded = LoadFlatIndex(spec, bytes, "flat");
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    ASSERT_TRUE((*loaded)->Search(q, 1, 7, {}, &allowed, nullptr, &loaded_got).ok());
    EXPECT_EQ(loaded_got[0].ids, want[0].ids);
  }
}

TEST(FlatIndexTest, BinaryFlat) {
  std::vector<uint8_t> rows = testing_util::ClusteredBits(501, 64, 4, 2);
  IndexSpec spec{"BIN_FLAT", MetricType::kJaccard, {}};
  auto index = BuildFlatIndex(spec, VectorData{nullptr, rows.data(), 500, 64}, nullptr);
  ASSERT_TRUE(index.ok());
  std::vector<TopK> want, got;
  const uint8_t* q = rows.data() + 500 * 8;
  ASSERT_TRUE(
      SearchBinaryFlat(rows.data(), 500, 64, q, 1, MetricType::kJaccard, 5, nullptr, nullptr, &want)
          .ok());
  ASSERT_TRUE((*index)->Search(q, 1, 5, {}, nullptr, nullptr, &got).ok());
  EXPECT_EQ(got[0].ids, want[0].ids);
  std::string bytes;
  ASSERT_TRUE((*index)->Serialize(&bytes).ok());
  EXPECT_TRUE(LoadFlatIndex(spec, bytes, "b").ok());
}

TEST(FlatIndexTest, RejectsBadInputAndCorruptPayloads) {
  std::vector<float> rows(64, 1.0f);
  EXPECT_FALSE(BuildFlatIndex(IndexSpec{"FLAT", MetricType::kHamming, {}},
                              VectorData{rows.data(), nullptr, 4, 16}, nullptr)
                   .ok());
  EXPECT_FALSE(BuildFlatIndex(IndexSpec{"IVF_FLAT", MetricType::kL2, {}},
                              VectorData{rows.data(), nullptr, 4, 16}, nullptr)
                   .ok());
  IndexSpec spec{"FLAT", MetricType::kL2, {}};
  auto index = BuildFlatIndex(spec, VectorData{rows.data(), nullptr, 4, 16}, nullptr);
  ASSERT_TRUE(index.ok());
  std::string good;
  ASSERT_TRUE((*index)->Serialize(&good).ok());
  for (size_t len = 0; len < good.size(); ++len) {
    Status st = LoadFlatIndex(spec, std::string_view(good).substr(0, len), "f/1").status();
    EXPECT_EQ(st.code(), StatusCode::kDataLoss);
    EXPECT_NE(st.message().find("f/1"), std::string_view::npos);
  }
  std::string bad = good;
  bad[0] ^= 1;
  EXPECT_EQ(LoadFlatIndex(spec, bad, "f").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(LoadFlatIndex(IndexSpec{"FLAT", MetricType::kIP, {}}, good, "f").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(LoadFlatIndex(spec, good + "z", "f").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace strata
