#include "common/hybrid_clock.h"

#include <algorithm>
#include <chrono>

namespace strata {

uint64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t HybridClock::Now() { return Reserve(1); }

uint64_t HybridClock::Reserve(uint64_t count) {
  std::lock_guard lock(mu_);
  uint64_t first = std::max(last_ + 1, ComposeTs(WallClockMs(), 0));
  last_ = first + count - 1;
  return first;
}

void HybridClock::Observe(uint64_t ts) {
  std::lock_guard lock(mu_);
  last_ = std::max(last_, ts);
}

}  // namespace strata
