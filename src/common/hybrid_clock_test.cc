#include "common/hybrid_clock.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(HybridClockTest, StrictlyIncreasingAndNearWallClock) {
  HybridClock clock;
  uint64_t a = clock.Now();
  uint64_t b = clock.Now();
  EXPECT_LT(a, b);
  EXPECT_LE(PhysicalMs(a), WallClockMs());
  EXPECT_GT(PhysicalMs(a) + 1000, WallClockMs());
}

TEST(HybridClockTest, ReserveAndObserve) {
  HybridClock clock;
  uint64_t first = clock.Reserve(100);
  EXPECT_GT(clock.Now(), first + 99);
  uint64_t future = ComposeTs(WallClockMs() + 60000, 5);
  clock.Observe(future);
  EXPECT_GT(clock.Now(), future);
}

TEST(HybridClockTest, AwaitTimestampWaitsForANearFutureTimestamp) {
  HybridClock clock;
  uint64_t past = clock.Now();
  EXPECT_TRUE(clock.AwaitTimestamp(past, 0).ok());
  uint64_t soon = ComposeTs(WallClockMs() + 50, 7);
  ASSERT_TRUE(clock.AwaitTimestamp(soon, 1000).ok());
  EXPECT_GE(WallClockMs(), PhysicalMs(soon));
  EXPECT_GT(clock.Now(), soon);
}

TEST(HybridClockTest, AwaitTimestampRefusesAFarFutureTimestampAtOnce) {
  HybridClock clock;
  uint64_t far = ComposeTs(WallClockMs() + 3'600'000, 0);
  uint64_t before = WallClockMs();
  Status st = clock.AwaitTimestamp(far, 10'000);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("ahead of the server clock"), std::string::npos);
  EXPECT_LT(WallClockMs() - before, 5'000u);  // answered, not held
  EXPECT_LT(clock.Now(), far);
}

}  // namespace
}  // namespace strata
