#include "common/hybrid_clock.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

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

Status HybridClock::AwaitTimestamp(uint64_t ts, uint64_t max_wait_ms) {
  uint64_t want_ms = PhysicalMs(ts);
  uint64_t now_ms = WallClockMs();
  if (want_ms > now_ms) {
    if (want_ms - now_ms > max_wait_ms)
      return InvalidArgument("guarantee_timestamp " + std::to_string(ts) + " is " +
                             std::to_string(want_ms - now_ms) +
                             " ms ahead of the server clock (at most " +
                             std::to_string(max_wait_ms) + " ms is waited for)");
    std::this_thread::sleep_for(std::chrono::milliseconds(want_ms - now_ms));
  }
  Observe(ts);
  return Status::Ok();
}

}  // namespace strata
