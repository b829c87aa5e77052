#include "engine/auto_flush.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

namespace strata {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// How often the worker looks for collections that became due by age.
constexpr auto kPollInterval = std::chrono::milliseconds(500);

}  // namespace

int64_t ApproxColumnBytes(const Column& column) {
  return std::visit(
      [](const auto& values) -> int64_t {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::string>) {
          int64_t bytes = 0;
          for (const std::string& s : values) bytes += static_cast<int64_t>(s.size()) + 4;
          return bytes;
        } else {
          return static_cast<int64_t>(values.size() * sizeof(T));
        }
      },
      column.raw());
}

int64_t ApproxBatchBytes(const RowBatch& batch) {
  int64_t bytes = 0;
  for (const Column& column : batch.columns) bytes += ApproxColumnBytes(column);
  return bytes;
}

AutoFlusher::AutoFlusher(AutoFlushOptions options, FlushFn flush)
    : options_(options), flush_(std::move(flush)), worker_([this] { Run(); }) {}

AutoFlusher::~AutoFlusher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void AutoFlusher::Wrote(int64_t collection_id, int64_t bytes) {
  bool due;
  {
    std::lock_guard lock(mu_);
    Pending& p = pending_[collection_id];
    if (p.bytes == 0 && p.since_ms == 0) p.since_ms = NowMs();
    p.bytes += bytes;
    due = options_.seal_bytes > 0 && p.bytes >= options_.seal_bytes;
  }
  if (due) cv_.notify_all();
}

void AutoFlusher::Flushed(int64_t collection_id) {
  std::lock_guard lock(mu_);
  pending_.erase(collection_id);
}

void AutoFlusher::Forget(int64_t collection_id) { Flushed(collection_id); }

bool AutoFlusher::Due(const Pending& p, int64_t now_ms) const {
  if (now_ms < p.not_before_ms) return false;
  if (options_.seal_bytes > 0 && p.bytes >= options_.seal_bytes) return true;
  return options_.max_age_ms > 0 && p.since_ms > 0 && now_ms - p.since_ms >= options_.max_age_ms;
}

void AutoFlusher::Run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kPollInterval);
    if (stopping_) break;
    int64_t now = NowMs();
    std::vector<std::pair<int64_t, Pending>> due;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (Due(it->second, now)) {
        due.emplace_back(*it);
        it = pending_.erase(it);  // writes from now on count towards the next flush
      } else {
        ++it;
      }
    }
    for (const auto& [collection_id, was] : due) {
      lock.unlock();
      Status st = flush_(collection_id);
      lock.lock();
      if (st.ok()) continue;
      spdlog::warn("automatic flush of collection {} failed (retrying in {} s): {}", collection_id,
                   kRetryMs / 1000, st.ToString());
      Pending& p = pending_[collection_id];
      p.bytes += was.bytes;
      p.since_ms = p.since_ms == 0 ? was.since_ms : std::min(p.since_ms, was.since_ms);
      p.not_before_ms = NowMs() + kRetryMs;
      if (stopping_) break;
    }
  }
}

}  // namespace strata
