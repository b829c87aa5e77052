// Hybrid logical clock with Milvus's layout: physical milliseconds << 18 | logical counter.
// A guarantee_timestamp sent by a Milvus client therefore means the same thing here.
#pragma once

#include <cstdint>
#include <mutex>

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

 private:
  std::mutex mu_;
  uint64_t last_ = 0;
};

uint64_t WallClockMs();

}  // namespace strata
