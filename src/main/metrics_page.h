// The server's request counters as text: the Prometheus page served at /metrics and the
// one-line summary logged at shutdown. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "objstore/caching_store.h"
#include "objstore/metrics_store.h"

namespace strata {

// A counter from another layer (the engine's garbage collection), shown as it is.
struct Counter {
  std::string name;  // e.g. strata_gc_deleted_objects_total
  std::string help;
  int64_t value = 0;
};

// Prometheus text exposition format (version 0.0.4):
//   strata_object_requests_total{op}            requests that reached the object store
//   strata_object_errors_total{op}              of those, the ones that failed
//   strata_object_bytes_total{op,direction}     payload bytes, direction "sent"/"received"
// and, when `cache` is not null, strata_cache_{hits,misses,evictions,discarded}_total and
// the gauges strata_cache_bytes and strata_cache_files. op is PUT, GET, HEAD, LIST, DELETE.
// Then each of `counters`.
std::string PrometheusText(const ObjectStoreMetrics& store, const CacheStats* cache,
                           std::span<const Counter> counters = {});

// "object store: 12 requests (PUT 9, GET 2, HEAD 0, LIST 1, DELETE 0), 4096 bytes sent,
// 100 bytes received, 0 errors; cache: 5 hits, 2 misses, 2048 bytes in 2 files".
std::string SummaryLine(const ObjectStoreMetrics& store, const CacheStats* cache);

}  // namespace strata
