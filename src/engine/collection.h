// Collection: one collection at run time — its WAL, growing segments, segments being sealed,
// and (when loaded) sealed segments in memory. Thread-safe.
//
// Write path: Insert validates, stamps, and appends to the WAL; the WAL's group-commit leader
// applies the batch to the growing segment after the object is durable, in lsn order, and only
// then is the insert acknowledged. Flush freezes the growing segments at a WAL position inside
// the WAL's exclusive section, writes them as column files, commits the catalog naming them
// and that position, then deletes the WAL objects it covers.
//
// Deletes and upserts follow the same path (WAL record, then apply); their keys go into a
// DeleteSet (engine/deletes.h) that every read consults, and a flush persists the deletes it
// covers as delta logs. Partitions: rows live in per-partition segments; a subset of the
// partitions may be loaded. In partition key mode (engine/partition_key.h) inserts and upserts
// name kRoutedByKey instead of a partition: the batch is one WAL record, and applying it
// (live or at replay) splits its rows over the partitions by key.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "engine/deletes.h"
#include "engine/partition_key.h"
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
  // Deletes to apply to this chunk's rows: those with sequence <= delete_seq (deletes.h).
  std::shared_ptr<const DeleteSet> deletes;
  uint64_t delete_seq = 0;
  // Rows written before this hybrid timestamp have outlived the collection's TTL and are not
  // read; 0 = no TTL.
  uint64_t expire_before = 0;
};
using Snapshot = std::vector<SnapshotChunk>;

// Milvus's collection property for the time-to-live of rows, in seconds (0 = forever).
inline constexpr std::string_view kTtlProperty = "collection.ttl.seconds";

// The TTL `properties` set, 0 when none; InvalidArgument unless it is a non-negative integer.
Result<int64_t> TtlSeconds(const KeyValues& properties);

class Collection {
 public:
  Collection(ObjectStore* store, std::string root, Catalog* catalog, HybridClock* clock,
             const CollectionMeta& meta);

  int64_t id() const { return id_; }
  // The fields; schema().name stays the name it was created with: name() is the current one.
  const CollectionSchema& schema() const { return schema_; }
  std::string name() const;
  void Rename(std::string name);
  // The key router in partition key mode, else nullptr. Set by Recover, immutable after.
  const PartitionRouter* router() const { return router_ ? &*router_ : nullptr; }

  // Reads the delta logs and replays the WAL after the catalog's covered position. Call once,
  // before any other use.
  Status Recover(const CollectionMeta& meta);

  // `partition_id` is kRoutedByKey exactly when the collection is in partition key mode
  // (FailedPrecondition otherwise).
  Result<InsertResult> Insert(int64_t partition_id, RowBatch batch);
  // Deletes `pks` (Int64 or VarChar, the primary key's type) in partition `scope`
  // (kAllPartitions = every partition) at a new timestamp; returns it once durable and applied.
  Result<uint64_t> Delete(int64_t scope, Column pks);
  // Replaces the rows with the batch's primary keys in `partition_id` by the batch, atomically
  // (one WAL record). With auto_id the batch must carry the keys to replace; the new rows get
  // generated keys (as Milvus does). Returns the new rows' keys. In partition key mode
  // (`partition_id` kRoutedByKey) the keys are replaced in every partition, so a row whose key
  // value changed moves to its new partition.
  Result<InsertResult> Upsert(int64_t partition_id, RowBatch batch);
  Result<FlushResult> Flush();

  // The rows of a sealed segment: the loaded copy, or read from its column files.
  Result<std::shared_ptr<const Chunk>> SealedChunk(const SegmentMeta& meta) const;
  // Makes a built index serve searches of a loaded segment (no-op if not loaded).
  void AttachIndex(int64_t segment_id, int64_t index_id, std::shared_ptr<const VectorIndex> index);
  void DetachIndex(int64_t index_id);
  // `chunk` (rows of a sealed segment of `partition_id`) without the rows a delete applied so
  // far hides or the TTL expired: what compaction writes. `chunk` itself when none is gone.
  std::shared_ptr<const Chunk> WithoutDeletedRows(int64_t partition_id,
                                                  std::shared_ptr<const Chunk> chunk) const;
  // Rows of the loaded sealed segment `segment_id` that deletes hide or the TTL expired;
  // nullopt when it is not in memory (counting would mean reading it).
  std::optional<int64_t> DeletedRowsInMemory(int64_t segment_id) const;
  // Compaction's swap, after its catalog commit: the sealed segments `sources` are replaced by
  // `target` (nullptr when no row was left) holding `chunk`, with its built indexes.
  void ReplaceSegments(const std::vector<int64_t>& sources, const SegmentMeta* target,
                       std::shared_ptr<const Chunk> chunk,
                       std::map<int64_t, std::shared_ptr<const VectorIndex>> indexes);

  // Reads the sealed segments of the partitions to load (`partitions` empty = all) and their built
  // indexes, into memory and makes exactly those partitions visible to reads.
  Status Load(const CollectionMeta& meta, const std::vector<int64_t>& partitions);
  void Release();
  bool loaded() const;
  // Rows inserted (deletes not subtracted, as Milvus's row_count statistic), in one partition
  // or (nullopt) all.
  int64_t RowCount(std::optional<int64_t> partition_id = std::nullopt) const;
  // Forgets a partition the catalog no longer names: its rows in memory, deletes scoped to it,
  // WAL records for it still to be applied. Then DeletePartitionObjects removes its objects.
  void DropPartition(int64_t partition_id);
  Status DeletePartitionObjects(int64_t partition_id);
  size_t DeleteEntries() const { return deletes_->size(); }
  std::vector<int64_t> SealedSegmentIds() const;
  // True if any of `segment_ids` is a growing segment or one being sealed.
  bool AnyUnsealed(const std::vector<int64_t>& segment_ids) const;

  // The chunks of the loaded partitions. FailedPrecondition (tagged kCollectionNotLoaded)
  // unless loaded.
  Result<Snapshot> TakeSnapshot() const;

  // Rows older than this many seconds are no longer read (0 = keep them); from the
  // collection's properties at start, then from AlterCollection.
  void SetTtlSeconds(int64_t seconds) { ttl_seconds_ = seconds; }

  // Stops accepting writes; then DeleteObjects removes everything it wrote.
  void MarkDropped() { dropped_ = true; }
  Status DeleteObjects();

 private:
  // Reads into *loaded the segments of `meta` in wanted partitions that it lacks, with their
  // built indexes (no lock held: this is the I/O part of Load).
  Status ReadSegments(const CollectionMeta& meta, const std::function<bool(int64_t)>& want,
                      std::map<int64_t, SnapshotChunk>* loaded) const;
  // Reads what `sc` lacks of segment `seg`: its rows, and its indexes that `meta` names.
  Status ReadSegment(const CollectionMeta& meta, const SegmentMeta& seg, SnapshotChunk* sc) const;

  struct SealedInfo {
    int64_t partition_id;
    int64_t num_rows;
  };
  std::shared_ptr<Segment> GrowingFor(int64_t partition_id);  // requires mu_
  std::string WalPrefix() const;
  Result<RowBatch> PrepareBatch(RowBatch batch);
  // FailedPrecondition unless `partition_id` is kRoutedByKey exactly in partition key mode.
  Status CheckRouting(int64_t partition_id) const;
  // The growing segments an insert's or upsert's rows go to: `partition_id`, or split by key.
  std::vector<std::pair<int64_t, std::shared_ptr<Chunk>>> PlaceRows(
      int64_t partition_id, const std::shared_ptr<Chunk>& chunk) const;
  // The expire_before of snapshots taken now (see SnapshotChunk).
  uint64_t ExpireBefore() const;
  // 1 for each row of `chunk` (in `partition_id`) no applied delete hides and the TTL keeps
  // (FilterChunk).
  std::vector<uint8_t> VisibleMask(int64_t partition_id, std::shared_ptr<const Chunk> chunk) const;
  // Applies one replayed WAL record to memory (requires mu_).
  Status ApplyRecord(const WalRecord& record, std::string_view object_name);
  void ApplyDelete(int64_t scope, Column pks, uint64_t ts);  // requires mu_
  bool PartitionVisible(int64_t partition_id) const;         // requires mu_
  Status LoadDeltaLogs(const CollectionMeta& meta);
  // Writes the deletes a flush covers, one delta log per partition scope.
  Result<std::vector<DeltaLogMeta>> WriteDeltaLogs(const std::vector<DeleteBatch>& deletes);

  ObjectStore* const store_;
  const std::string root_;
  Catalog* const catalog_;
  HybridClock* const clock_;
  const int64_t id_;
  const CollectionSchema schema_;
  std::optional<PartitionRouter> router_;  // set by Recover in partition key mode
  std::atomic<bool> dropped_{false};
  std::atomic<int64_t> ttl_seconds_{0};
  std::string name_;  // guarded by mu_
  std::unique_ptr<WalWriter> wal_;

  std::mutex flush_mu_;  // one flush at a time; taken before mu_
  mutable std::mutex mu_;
  bool loaded_ = false;
  std::map<int64_t, std::shared_ptr<Segment>> growing_;  // by partition id
  std::vector<std::shared_ptr<Segment>> sealing_;        // frozen, not yet committed
  std::map<int64_t, SnapshotChunk> sealed_;              // loaded sealed segments by id
  std::map<int64_t, SealedInfo> sealed_info_;            // every sealed segment
  std::optional<std::set<int64_t>> loaded_partitions_;   // nullopt = all (when loaded_)
  std::set<int64_t> dropped_partitions_;                 // records for these are ignored
  const std::shared_ptr<DeleteSet> deletes_ = std::make_shared<DeleteSet>();
  uint64_t delete_seq_ = 0;                    // sequence of the last applied delete
  std::vector<DeleteBatch> pending_deletes_;   // applied, not yet in a flush
  std::vector<DeleteBatch> flushing_deletes_;  // taken by a flush, not yet committed
};

}  // namespace strata
