// BackgroundWorker: the work on sealed segments that runs off the request path, one collection
// pass at a time on one worker thread (builds use the shared pool):
// - Compaction (engine/compaction.h): small sealed segments of a partition are merged into one,
//   with the rows deletes hide left out and every index built, before the catalog swaps them.
//   Automatic after flushes when `auto_compaction` is set, and on request (ManualCompaction).
// - Index builds: for every index in the catalog and every sealed segment without a built file
//   for it, the index is built from the segment's rows, written to
//     <root>index_files/<build id>/1/<partition>/<segment>/<index name>
//   its name committed into the segment's catalog entry, and the index handed to the
//   collection so loaded segments start using it. A restart loads these files instead of
//   rebuilding.
// A pass compacts first, so a flush's small segment is merged before anything indexes it alone.
// - Garbage collection (engine/garbage.h): every `gc_interval_ms`, between passes, so it
//   never runs beside a compaction or a build.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "common/thread_pool.h"
#include "engine/collection.h"
#include "engine/compaction.h"
#include "engine/garbage.h"
#include "objstore/object_store.h"

namespace strata {

// What became of one ManualCompaction request (GetCompactionState).
struct CompactionJob {
  int64_t collection_id = 0;
  bool done = false;
  int64_t executing = 0;  // merges planned and not finished
  int64_t completed = 0;
  int64_t failed = 0;
  std::vector<MergeInfo> merges;  // the completed ones
};

// What RequestCompaction queued: the job, and the merges planned at request time (its pass
// plans again when it runs, with whatever has changed since).
struct CompactionRequest {
  int64_t job_id = 0;
  int64_t planned = 0;
};

struct BackgroundOptions {
  bool auto_compaction = true;                   // compact after flushes, without a request
  int64_t max_segment_bytes = int64_t{1} << 30;  // merged segments stay at or below this
  int64_t gc_interval_ms = 3'600'000;            // garbage collection rounds; 0 = none
  int64_t gc_min_age_ms = 3'600'000;             // unnamed objects younger than this are kept
  // A round skipped for a flush, or failed, is tried again this soon (at most the interval),
  // so that a steady stream of flushes or a short outage does not put it off a whole interval.
  int64_t gc_retry_ms = 60'000;
};

// Garbage collection since start-up (the /metrics page).
struct GarbageTotals {
  int64_t rounds = 0;   // finished, skipped ones included
  int64_t skipped = 0;  // a flush was in progress
  int64_t failed = 0;
  int64_t deleted = 0;
  int64_t deleted_bytes = 0;
  int64_t aborted_uploads = 0;
};

class BackgroundWorker {
 public:
  using CollectionLookup = std::function<std::shared_ptr<Collection>(int64_t collection_id)>;

  // Starts the worker thread. Garbage collection rounds (when ctx.flushes is set and
  // options.gc_interval_ms > 0) run gc_interval_ms apart, the first one interval after start.
  BackgroundWorker(SegmentWorkContext ctx, BackgroundOptions options, CollectionLookup lookup);
  // Drops the queue, cancels an HNSW build in progress (its merge or build is retried after
  // the restart; what it wrote is garbage), finishes anything else in progress, joins.
  ~BackgroundWorker();

  // Queues a pass over the collection's segments (duplicates are merged).
  void Schedule(int64_t collection_id);
  // Queues a pass that compacts whatever the options say; the job's id is never 0.
  CompactionRequest RequestCompaction(int64_t collection_id);
  // The job, or nullopt when this server has no record of it.
  std::optional<CompactionJob> Compaction(int64_t job_id) const;
  // Blocks until the queue is empty and no pass runs (tests).
  void WaitIdle();
  GarbageTotals Garbage() const;

 private:
  static constexpr size_t kKeepJobs = 1000;

  void Run();
  // Runs one round; returns whether it must be tried again soon (skipped or failed).
  bool CollectGarbageRound();
  int64_t RetryMs() const { return std::min(options_.gc_retry_ms, options_.gc_interval_ms); }
  // The merges PlanMerges and PlanPurges find in the collection.
  std::vector<MergePlan> Plan(const CollectionMeta& meta, const Collection& collection) const;
  // Runs the merges Plan finds, recording them in the jobs `job_ids`.
  void Compact(int64_t collection_id, const std::vector<int64_t>& job_ids);
  Status BuildPending(int64_t collection_id);
  // Applies `update` to each job of `job_ids` still held.
  void UpdateJobs(const std::vector<int64_t>& job_ids,
                  const std::function<void(CompactionJob&)>& update);

  std::atomic<bool> cancel_{false};  // before ctx_, which points at it
  const SegmentWorkContext ctx_;
  const BackgroundOptions options_;
  const CollectionLookup lookup_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int64_t> queue_;
  std::map<int64_t, std::vector<int64_t>> waiting_jobs_;  // collection id -> job ids
  std::map<int64_t, CompactionJob> jobs_;                 // by id, the newest kKeepJobs
  GarbageTotals garbage_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace strata
