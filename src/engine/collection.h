// Collection: one collection at run time — its WAL, growing segments, segments being sealed,
// and (when loaded) sealed segments in memory. Thread-safe.
//
// Write path: Insert validates, stamps, and appends to the WAL; the WAL's group-commit leader
// applies the batch to the growing segment after the object is durable, in lsn order, and only
// then is the insert acknowledged. Flush freezes the growing segments at a WAL position inside
// the WAL's exclusive section, writes them as column files, commits the catalog naming them
// and that position, then deletes the WAL objects it covers.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "engine/types.h"
#include "index/vector_index.h"
#include "objstore/object_store.h"
#include "segment/segment.h"
#include "wal/wal_writer.h"

namespace strata {

// An immutable view of a collection's rows for one read.
struct SnapshotChunk {
  int64_t segment_id = 0;
  int64_t partition_id = 0;
  std::shared_ptr<const Chunk> chunk;
  // A sealed segment's built indexes, by index id (none for growing data).
  std::map<int64_t, std::shared_ptr<const VectorIndex>> indexes;
};
using Snapshot = std::vector<SnapshotChunk>;

class Collection {
 public:
  Collection(ObjectStore* store, std::string root, Catalog* catalog, HybridClock* clock,
             const CollectionMeta& meta);

  int64_t id() const { return id_; }
  const CollectionSchema& schema() const { return schema_; }

  // Replays the WAL after the catalog's covered position. Call once, before any other use.
  Status Recover(const CollectionMeta& meta);

  Result<InsertResult> Insert(int64_t partition_id, RowBatch batch);
  Result<FlushResult> Flush();

  // The rows of a sealed segment: the loaded copy, or read from its column files.
  Result<std::shared_ptr<const Chunk>> SealedChunk(const SegmentMeta& meta) const;
  // Makes a built index serve searches of a loaded segment (no-op if not loaded).
  void AttachIndex(int64_t segment_id, int64_t index_id, std::shared_ptr<const VectorIndex> index);
  void DetachIndex(int64_t index_id);

  // Reads the sealed segments named by the catalog, and their built indexes, into memory.
  Status Load(const CollectionMeta& meta);
  void Release();
  bool loaded() const;
  int64_t RowCount() const;
  std::vector<int64_t> SealedSegmentIds() const;
  // True if any of `segment_ids` is a growing segment or one being sealed.
  bool AnyUnsealed(const std::vector<int64_t>& segment_ids) const;

  // FailedPrecondition (tagged kCollectionNotLoaded) unless loaded.
  Result<Snapshot> TakeSnapshot() const;

  // Stops accepting writes; then DeleteObjects removes everything it wrote.
  void MarkDropped() { dropped_ = true; }
  Status DeleteObjects();

 private:
  std::shared_ptr<Segment> GrowingFor(int64_t partition_id);  // requires mu_
  std::string WalPrefix() const;
  Result<RowBatch> PrepareBatch(RowBatch batch);

  ObjectStore* const store_;
  const std::string root_;
  Catalog* const catalog_;
  HybridClock* const clock_;
  const int64_t id_;
  const CollectionSchema schema_;
  std::atomic<bool> dropped_{false};
  std::unique_ptr<WalWriter> wal_;

  std::mutex flush_mu_;  // one flush at a time; taken before mu_
  mutable std::mutex mu_;
  bool loaded_ = false;
  std::map<int64_t, std::shared_ptr<Segment>> growing_;  // by partition id
  std::vector<std::shared_ptr<Segment>> sealing_;         // frozen, not yet committed
  std::map<int64_t, SnapshotChunk> sealed_;               // loaded sealed segments by id
  std::map<int64_t, int64_t> sealed_rows_;                // every sealed segment's row count
};

}  // namespace strata
