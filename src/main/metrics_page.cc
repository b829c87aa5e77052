#include "main/metrics_page.h"

#include <fmt/format.h>

namespace strata {
namespace {

constexpr ObjectOp kOps[] = {ObjectOp::kPut, ObjectOp::kGet, ObjectOp::kHead, ObjectOp::kList,
                             ObjectOp::kDelete};

void Family(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(*out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string PrometheusText(const ObjectStoreMetrics& store, const CacheStats* cache,
                           std::span<const Counter> counters) {
  std::string out;
  auto emit = [&out](std::string_view name, std::string_view labels, int64_t value) {
    if (labels.empty())
      fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
    else
      fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
  };
  Family(&out, "strata_object_requests_total", "counter",
         "Requests sent to the object store, by S3 request class.");
  for (ObjectOp op : kOps)
    emit("strata_object_requests_total", fmt::format("op=\"{}\"", ObjectOpName(op)),
         store[op].requests);
  Family(&out, "strata_object_errors_total", "counter",
         "Object store requests that failed (not counting not-found answers).");
  for (ObjectOp op : kOps)
    emit("strata_object_errors_total", fmt::format("op=\"{}\"", ObjectOpName(op)),
         store[op].errors);
  Family(&out, "strata_object_bytes_total", "counter",
         "Object payload bytes sent to and received from the object store.");
  for (ObjectOp op : kOps) {
    emit("strata_object_bytes_total", fmt::format("op=\"{}\",direction=\"sent\"", ObjectOpName(op)),
         store[op].bytes_sent);
    emit("strata_object_bytes_total",
         fmt::format("op=\"{}\",direction=\"received\"", ObjectOpName(op)),
         store[op].bytes_received);
  }
  for (const Counter& c : counters) {
    Family(&out, c.name, "counter", c.help);
    emit(c.name, "", c.value);
  }
  if (cache == nullptr) return out;
  Family(&out, "strata_cache_hits_total", "counter", "Reads answered by the local read cache.");
  emit("strata_cache_hits_total", "", cache->hits);
  Family(&out, "strata_cache_misses_total", "counter",
         "Cacheable reads that went to the object store.");
  emit("strata_cache_misses_total", "", cache->misses);
  Family(&out, "strata_cache_evictions_total", "counter",
         "Cache files removed to stay under the cache size.");
  emit("strata_cache_evictions_total", "", cache->evictions);
  Family(&out, "strata_cache_discarded_total", "counter",
         "Cache files found corrupt or truncated, discarded and refetched.");
  emit("strata_cache_discarded_total", "", cache->discarded);
  Family(&out, "strata_cache_bytes", "gauge", "Bytes held in the local read cache.");
  emit("strata_cache_bytes", "", cache->bytes);
  Family(&out, "strata_cache_files", "gauge", "Files held in the local read cache.");
  emit("strata_cache_files", "", cache->files);
  return out;
}

std::string SummaryLine(const ObjectStoreMetrics& store, const CacheStats* cache) {
  int64_t sent = 0, received = 0, errors = 0;
  std::string by_op;
  for (ObjectOp op : kOps) {
    sent += store[op].bytes_sent;
    received += store[op].bytes_received;
    errors += store[op].errors;
    fmt::format_to(std::back_inserter(by_op), "{}{} {}", by_op.empty() ? "" : ", ",
                   ObjectOpName(op), store[op].requests);
  }
  std::string line =
      fmt::format("object store: {} requests ({}), {} bytes sent, {} bytes received, {} errors",
                  store.TotalRequests(), by_op, sent, received, errors);
  if (cache != nullptr)
    line += fmt::format("; cache: {} hits, {} misses, {} bytes in {} files", cache->hits,
                        cache->misses, cache->bytes, cache->files);
  return line;
}

}  // namespace strata
