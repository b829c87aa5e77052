#include "engine/background.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

namespace strata {

namespace {

SegmentWorkContext WithCancel(SegmentWorkContext ctx, const std::atomic<bool>* cancel) {
  ctx.cancel = cancel;
  return ctx;
}

// A build or merge a stopping server cut short: expected, not an error.
bool StoppedEarly(const Status& st) { return st.code() == StatusCode::kCancelled; }

}  // namespace

BackgroundWorker::BackgroundWorker(SegmentWorkContext ctx, BackgroundOptions options,
                                   CollectionLookup lookup)
    : ctx_(WithCancel(std::move(ctx), &cancel_)),
      options_(options),
      lookup_(std::move(lookup)),
      worker_([this] { Run(); }) {}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cancel_ = true;
  cv_.notify_all();
  worker_.join();
}

void BackgroundWorker::Schedule(int64_t collection_id) {
  {
    std::lock_guard lock(mu_);
    if (std::find(queue_.begin(), queue_.end(), collection_id) == queue_.end())
      queue_.push_back(collection_id);
  }
  cv_.notify_all();
}

CompactionRequest BackgroundWorker::RequestCompaction(int64_t collection_id) {
  CompactionRequest request;
  std::shared_ptr<const Manifest> manifest = ctx_.catalog->Current();
  const CollectionMeta* meta = manifest->FindCollection(collection_id);
  std::shared_ptr<Collection> collection = lookup_(collection_id);
  if (meta != nullptr && collection != nullptr)
    request.planned = std::ssize(Plan(*meta, *collection));
  auto id = static_cast<int64_t>(ctx_.clock->Now());
  request.job_id = id;
  {
    std::lock_guard lock(mu_);
    jobs_[id].collection_id = collection_id;
    while (jobs_.size() > kKeepJobs) jobs_.erase(jobs_.begin());
    waiting_jobs_[collection_id].push_back(id);
  }
  Schedule(collection_id);
  return request;
}

std::optional<CompactionJob> BackgroundWorker::Compaction(int64_t job_id) const {
  std::lock_guard lock(mu_);
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second;
}

void BackgroundWorker::UpdateJobs(const std::vector<int64_t>& job_ids,
                                  const std::function<void(CompactionJob&)>& update) {
  std::lock_guard lock(mu_);
  for (int64_t id : job_ids)
    if (auto it = jobs_.find(id); it != jobs_.end()) update(it->second);
}

void BackgroundWorker::WaitIdle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return stopping_ || (queue_.empty() && !busy_); });
}

GarbageTotals BackgroundWorker::Garbage() const {
  std::lock_guard lock(mu_);
  return garbage_;
}

bool BackgroundWorker::CollectGarbageRound() {
  auto started = std::chrono::steady_clock::now();
  Result<GarbageReport> report =
      CollectGarbage(ctx_.store, ctx_.root, ctx_.catalog, *ctx_.flushes, options_.gc_min_age_ms);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double retry_s = static_cast<double>(RetryMs()) / 1000;
  if (!report.ok())
    spdlog::error("garbage collection failed (retried in {} s): {}", retry_s,
                  report.status().ToString());
  else if (report->skipped)
    spdlog::info("garbage collection skipped: a flush is in progress (retried in {} s)", retry_s);
  else
    spdlog::info(
        "garbage collection: {} objects listed, {} deleted ({} bytes), {} unnamed but younger "
        "than {} s kept, {} of unknown shape kept; {} unfinished uploads listed, {} aborted; "
        "in {:.2f}s",
        report->listed, report->deleted, report->deleted_bytes, report->too_young,
        options_.gc_min_age_ms / 1000, report->unrecognized, report->uploads_listed,
        report->uploads_aborted, seconds);
  std::lock_guard lock(mu_);
  ++garbage_.rounds;
  if (!report.ok()) {
    ++garbage_.failed;
    return true;
  }
  garbage_.skipped += report->skipped;
  garbage_.deleted += report->deleted;
  garbage_.deleted_bytes += report->deleted_bytes;
  garbage_.aborted_uploads += report->uploads_aborted;
  return report->skipped;
}

void BackgroundWorker::Run() {
  using Clock = std::chrono::steady_clock;
  const bool gc = options_.gc_interval_ms > 0 && ctx_.flushes != nullptr;
  Clock::time_point next_gc = Clock::now() + std::chrono::milliseconds(options_.gc_interval_ms);
  for (;;) {
    int64_t collection_id;
    std::vector<int64_t> job_ids;
    {
      std::unique_lock lock(mu_);
      busy_ = false;
      cv_.notify_all();
      auto ready = [this] { return stopping_ || !queue_.empty(); };
      if (gc)
        cv_.wait_until(lock, next_gc, ready);
      else
        cv_.wait(lock, ready);
      if (stopping_) return;
      // Due even while passes keep coming: a busy server collects garbage too.
      if (gc && Clock::now() >= next_gc) {
        busy_ = true;
        lock.unlock();
        const bool retry = CollectGarbageRound();
        next_gc =
            Clock::now() + std::chrono::milliseconds(retry ? RetryMs() : options_.gc_interval_ms);
        continue;
      }
      collection_id = queue_.front();
      queue_.pop_front();
      if (auto it = waiting_jobs_.find(collection_id); it != waiting_jobs_.end()) {
        job_ids = std::move(it->second);
        waiting_jobs_.erase(it);
      }
      busy_ = true;
    }
    if (options_.auto_compaction || !job_ids.empty()) Compact(collection_id, job_ids);
    Status st = BuildPending(collection_id);
    if (StoppedEarly(st))
      spdlog::info("index build for collection {} stopped: the server is stopping", collection_id);
    else if (!st.ok())
      spdlog::error(
          "index build for collection {} failed (retried on the next flush, index "
          "change or restart): {}",
          collection_id, st.ToString());
  }
}

std::vector<MergePlan> BackgroundWorker::Plan(const CollectionMeta& meta,
                                              const Collection& collection) const {
  std::vector<MergePlan> plans = PlanMerges(meta, options_.max_segment_bytes);
  for (MergePlan& purge : PlanPurges(meta, plans, [&](const SegmentMeta& seg) {
         return collection.DeletedRowsInMemory(seg.segment_id);
       }))
    plans.push_back(std::move(purge));
  return plans;
}

void BackgroundWorker::Compact(int64_t collection_id, const std::vector<int64_t>& job_ids) {
  std::shared_ptr<const Manifest> manifest = ctx_.catalog->Current();
  const CollectionMeta* meta = manifest->FindCollection(collection_id);
  std::shared_ptr<Collection> collection = lookup_(collection_id);
  std::vector<MergePlan> plans;
  if (meta != nullptr && collection != nullptr) plans = Plan(*meta, *collection);
  UpdateJobs(job_ids, [&](CompactionJob& job) { job.executing = std::ssize(plans); });
  for (const MergePlan& plan : plans) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    auto started = std::chrono::steady_clock::now();
    Result<std::optional<MergeInfo>> merged = MergeSegments(ctx_, *collection, *meta, plan);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!merged.ok() && StoppedEarly(merged.status()))
      spdlog::info("compaction of collection {} stopped: the server is stopping", collection_id);
    else if (!merged.ok())
      spdlog::error(
          "compaction of {} segments in collection {} failed (retried on the next "
          "pass): {}",
          plan.sources.size(), collection_id, merged.status().ToString());
    else if (merged->has_value())
      spdlog::info("compacted {} segments of collection {} into segment {} in {:.2f}s",
                   plan.sources.size(), collection_id, (*merged)->target, seconds);
    UpdateJobs(job_ids, [&](CompactionJob& job) {
      --job.executing;
      if (merged.ok() && merged->has_value()) {
        ++job.completed;
        job.merges.push_back(**merged);
      } else {
        ++job.failed;
      }
    });
  }
  UpdateJobs(job_ids, [](CompactionJob& job) {
    job.failed += job.executing;  // not started: the server is stopping
    job.executing = 0;
    job.done = true;
  });
}

Status BackgroundWorker::BuildPending(int64_t collection_id) {
  for (;;) {
    // Find one (index, segment) pair still to build, against the newest catalog each time so
    // drops and new segments are seen.
    Manifest m = ctx_.catalog->Snapshot();
    const CollectionMeta* meta = m.FindCollection(collection_id);
    if (meta == nullptr) return Status::Ok();
    const IndexMeta* index = nullptr;
    const SegmentMeta* segment = nullptr;
    for (const auto& i : meta->indexes) {
      for (const auto& seg : meta->segments) {
        bool built =
            std::any_of(seg.index_files.begin(), seg.index_files.end(),
                        [&](const SegmentIndexFile& f) { return f.index_id == i.index_id; });
        if (!built) {
          index = &i;
          segment = &seg;
          break;
        }
      }
      if (index) break;
    }
    if (index == nullptr) return Status::Ok();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return Status::Ok();
    }
    std::shared_ptr<Collection> collection = lookup_(collection_id);
    if (!collection) return Status::Ok();
    ASSIGN_OR_RETURN(std::shared_ptr<const Chunk> chunk, collection->SealedChunk(*segment));
    auto started = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(BuiltSegmentIndex built,
                     BuildSegmentIndex(ctx_, meta->schema, *index, segment->partition_id,
                                       segment->segment_id, *chunk));
    int64_t index_id = index->index_id, segment_id = segment->segment_id;
    bool committed = false;
    RETURN_IF_ERROR(ctx_.catalog->Commit([&](Manifest& next) -> Status {
      CollectionMeta* c = next.FindCollection(collection_id);
      if (c == nullptr) return Status::Ok();
      bool index_alive = std::any_of(c->indexes.begin(), c->indexes.end(),
                                     [&](const IndexMeta& i) { return i.index_id == index_id; });
      SegmentMeta* seg = c->FindSegment(segment_id);
      if (!index_alive || seg == nullptr) return Status::Ok();
      seg->index_files.push_back(built.file);
      committed = true;
      return Status::Ok();
    }));
    if (!committed) {  // Dropped (or compacted away) while we built: the file is garbage.
      (void)ctx_.store->Delete(built.file.key);
      continue;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("built index '{}' on segment {} ({} rows, {} bytes) in {:.2f}s", index->index_name,
                 segment_id, chunk->num_rows(), built.file.size, seconds);
    collection->AttachIndex(segment_id, index_id, std::move(built.index));
  }
}

}  // namespace strata
