// AutoFlusher: seals growing data without a client Flush, as Milvus does. A collection whose
// acknowledged but unflushed writes reach `seal_bytes`, or whose oldest unflushed write is
// `max_age_ms` old, is flushed in the background: its growing segments become sealed column
// files, the WAL they came from is truncated, and their index builds are scheduled. Without
// this, a client that never calls Flush would keep every row in the WAL and in exactly
// searched growing segments forever.
//
// The engine reports writes (Wrote) and client flushes (Flushed); one worker thread runs due
// flushes through `flush`, one at a time. A failed flush is logged and retried after
// kRetryMs. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "common/status.h"
#include "schema/column.h"

namespace strata {

struct AutoFlushOptions {
  int64_t seal_bytes = int64_t{128} << 20;  // 0 = no size trigger
  int64_t max_age_ms = 600'000;             // 0 = no age trigger
};

// What a batch (or one column) weighs for the size trigger: its values' bytes, about its WAL
// record's size.
int64_t ApproxColumnBytes(const Column& column);
int64_t ApproxBatchBytes(const RowBatch& batch);

class AutoFlusher {
 public:
  using FlushFn = std::function<Status(int64_t collection_id)>;
  static constexpr int64_t kRetryMs = 5'000;

  AutoFlusher(AutoFlushOptions options, FlushFn flush);
  ~AutoFlusher();  // Lets a flush in progress finish, then joins; pending work is dropped.

  // An acknowledged write of about `bytes` to the collection.
  void Wrote(int64_t collection_id, int64_t bytes);
  // A client flush of the collection is starting: what was written so far is covered by it.
  void Flushed(int64_t collection_id);
  // The collection was dropped.
  void Forget(int64_t collection_id);

 private:
  struct Pending {
    int64_t bytes = 0;
    int64_t since_ms = 0;       // when the oldest unflushed write was reported
    int64_t not_before_ms = 0;  // retry back-off after a failed flush
  };
  bool Due(const Pending& p, int64_t now_ms) const;
  void Run();

  const AutoFlushOptions options_;
  const FlushFn flush_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, Pending> pending_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace strata
