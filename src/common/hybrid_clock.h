// Hybrid logical clock with Milvus's layout: physical milliseconds << 18 | logical counter.
// A guarantee_timestamp sent by a Milvus client therefore means the same thing here.
#pragma once

#include <cstdint>
#include <mutex>

#include "common/status.h"

namespace strata {

inline constexpr int kLogicalBits = 18;
inline constexpr uint64_t kLogicalMask = (uint64_t{1} << kLogicalBits) - 1;

inline uint64_t ComposeTs(uint64_t physical_ms, uint64_t logical) {
  return (physical_ms << kLogicalBits) | (logical & kLogicalMask);
}
inline uint64_t PhysicalMs(uint64_t ts) { return ts >> kLogicalBits; }

// Thread-safe, strictly increasing timestamps.
class HybridClock {
 public:
  // Returns a timestamp greater than every earlier one (and than any passed to Observe).
  uint64_t Now();
  // Reserves `count` consecutive timestamps and returns the first.
  uint64_t Reserve(uint64_t count);
  // Makes later timestamps exceed `ts` (after recovery, or on a client's timestamp).
  void Observe(uint64_t ts);

  // A read's guarantee_timestamp: returns once the clock has passed `ts`. Every write is
  // applied before it is acknowledged, so any timestamp the clock has issued is already
  // serviceable and this returns at once; a `ts` ahead of the wall clock (a client whose clock
  // runs ahead) is waited for, but only up to `max_wait_ms` ahead — further is
  // InvalidArgument, answered at once rather than holding the request.
  Status AwaitTimestamp(uint64_t ts, uint64_t max_wait_ms);

 private:
  std::mutex mu_;
  uint64_t last_ = 0;
};

uint64_t WallClockMs();

}  // namespace strata
