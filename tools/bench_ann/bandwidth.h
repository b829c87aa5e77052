// The machine's streaming read bandwidth, measured in the benchmark's own run: the yardstick for
// FLAT, whose one-query-at-a-time search must read every stored vector once per query.
#pragma once

#include <cstddef>

namespace strata::bench {

// Bytes per second one thread reads from `data` (`bytes` long, already in memory), summing it
// as 64-bit words: the best of `passes` passes. Use a buffer much larger than the last-level
// cache (the base vectors themselves) so the figure is memory's, not the cache's.
double ReadBandwidth(const void* data, size_t bytes, int passes);

}  // namespace strata::bench
