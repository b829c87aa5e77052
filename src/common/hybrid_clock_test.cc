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

}  // namespace
}  // namespace strata
