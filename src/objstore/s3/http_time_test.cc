#include "objstore/s3/http_time.h"

#include <gtest/gtest.h>

namespace strata::s3 {
namespace {

// 2026-11-26T08:15:30.250Z, computed independently: 20,783 days after 1970-01-01.
constexpr int64_t kSample = int64_t{20783} * 86'400'000 + ((8 * 60 + 15) * 60 + 30) * 1000 + 250;

TEST(HttpTimeTest, ParsesIso8601AsS3ListsIt) {
  EXPECT_EQ(ParseIso8601Ms("2026-11-26T08:15:30.250Z"), kSample);
  EXPECT_EQ(ParseIso8601Ms("2026-11-26T08:15:30Z"), kSample - 250);
  EXPECT_EQ(ParseIso8601Ms("2026-11-26T08:15:30.250999Z"), kSample);  // extra digits dropped
  EXPECT_EQ(ParseIso8601Ms("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(ParseIso8601Ms("2024-02-29T00:00:00Z"), int64_t{19782} * 86'400'000);
}

TEST(HttpTimeTest, RejectsMalformedIso8601) {
  for (const char* bad :
       {"", "2026-11-26", "2026-11-26T08:15:30", "2026-11-26T08:15:30.Z", "2026-13-01T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26 08:15:30Z",
        "2026-11-26T08:15:30.250Zx", "+026-11-26T08:15:30Z", "1969-12-31T23:59:59Z"})
    EXPECT_EQ(ParseIso8601Ms(bad), std::nullopt) << bad;
}

TEST(HttpTimeTest, FormatsIso8601) {
  EXPECT_EQ(FormatIso8601Ms(kSample), "2026-11-26T08:15:30.250Z");
  EXPECT_EQ(FormatIso8601Ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(HttpTimeTest, HttpDateRoundTrip) {
  EXPECT_EQ(FormatHttpDate(kSample), "Thu, 26 Nov 2026 08:15:30 GMT");
  EXPECT_EQ(ParseHttpDateMs("Thu, 26 Nov 2026 08:15:30 GMT"), kSample - 250);
  EXPECT_EQ(ParseHttpDateMs("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
}

TEST(HttpTimeTest, RejectsMalformedHttpDate) {
  for (const char* bad : {"", "Thu, 26 Nov 2026 08:15:30", "Wed, 26 Nov 2026 08:15:30 GMT",
                          "Thu, 26 Foo 2026 08:15:30 GMT", "Thu 26 Nov 2026 08:15:30 GMT",
                          "Thu, 31 Nov 2026 08:15:30 GMT", "Thu, 26 Nov 2026 08:15:30 UTC"})
    EXPECT_EQ(ParseHttpDateMs(bad), std::nullopt) << bad;
}

TEST(HttpTimeTest, EveryDayOfFourCenturiesRoundTrips) {
  for (int64_t day = 0; day < 146097; day += 1) {
    int64_t ms = day * 86'400'000 + 12'345'678;
    ASSERT_EQ(ParseIso8601Ms(FormatIso8601Ms(ms)), ms) << FormatIso8601Ms(ms);
    ASSERT_EQ(ParseHttpDateMs(FormatHttpDate(ms)), ms - 678) << FormatHttpDate(ms);
  }
}

}  // namespace
}  // namespace strata::s3
