#include "index/metric.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(MetricTest, ParsesCaseInsensitively) {
  EXPECT_EQ(*ParseMetricType("L2"), MetricType::kL2);
  EXPECT_EQ(*ParseMetricType("l2"), MetricType::kL2);
  EXPECT_EQ(*ParseMetricType("ip"), MetricType::kIP);
  EXPECT_EQ(*ParseMetricType("Cosine"), MetricType::kCosine);
  EXPECT_EQ(*ParseMetricType("hamming"), MetricType::kHamming);
  EXPECT_EQ(*ParseMetricType("JACCARD"), MetricType::kJaccard);
}

TEST(MetricTest, RejectsUnknownNamingValidOnes) {
  for (const char* bad : {"", "L1", "cosin", "IPX", "SUBSTRUCTURE"}) {
    Result<MetricType> r = ParseMetricType(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("L2, IP, COSINE, HAMMING, JACCARD"), std::string::npos);
  }
}

TEST(MetricTest, NamesRoundTrip) {
  for (MetricType m : {MetricType::kL2, MetricType::kIP, MetricType::kCosine, MetricType::kHamming,
                       MetricType::kJaccard}) {
    EXPECT_EQ(*ParseMetricType(MetricTypeName(m)), m);
  }
}

TEST(MetricTest, Direction) {
  EXPECT_FALSE(HigherIsCloser(MetricType::kL2));
  EXPECT_TRUE(HigherIsCloser(MetricType::kIP));
  EXPECT_TRUE(HigherIsCloser(MetricType::kCosine));
  EXPECT_FALSE(HigherIsCloser(MetricType::kHamming));
  EXPECT_FALSE(HigherIsCloser(MetricType::kJaccard));
  EXPECT_TRUE(IsBinaryMetric(MetricType::kHamming));
  EXPECT_FALSE(IsBinaryMetric(MetricType::kCosine));
}

}  // namespace
}  // namespace strata
