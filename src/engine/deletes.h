// Deletes at run time and on disk.
//
// Visibility rule: a row is hidden iff a delete of its primary key, scoped to the row's
// partition or to every partition, has a timestamp greater than the row's insert timestamp.
// A row inserted after a delete of the same key (a larger timestamp) is therefore visible, and
// an upsert (delete + insert at one timestamp) hides the old rows but not its own.
//
// DeleteSet holds every delete of a collection in memory (see doc/design.md "Deletes" for the
// cost). Each applied delete also gets a sequence number; a read snapshot records the highest
// one it may see, so a delete applied after the snapshot was taken (e.g. the delete half of an
// upsert whose rows the snapshot does not hold) never changes that read.
//
// Delta logs persist the deletes a flush covers: envelope kind kDeltaLog, see doc/formats.md
// "Delta log".
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/result.h"
#include "schema/column.h"
#include "segment/segment.h"

namespace strata {

inline constexpr uint16_t kDeltaLogVersion = 1;
// Scope of a delete that applies to every partition (real partition ids are never 0).
inline constexpr int64_t kAllPartitions = 0;

// One delete operation: the keys, the partition scope and the delete timestamp.
struct DeleteBatch {
  int64_t partition_id = kAllPartitions;
  uint64_t timestamp = 0;
  Column pks;  // Int64 or VarChar
};

// Thread-safe: Add/DropScope take an exclusive lock, Hide a shared one.
//
// Hide is on every search and query path, and looking up each row's key costs a hash probe per
// row. So the rows of a chunk that every held delete hides are cached per chunk and reused by
// reads that see every delete, until the next Add or DropScope; a read from an older snapshot
// (rare: it raced a delete) takes the slow path.
class DeleteSet {
 public:
  // Records the deletion of every key of `pks` at `ts`. `seq` is 0 for deletes read from delta
  // logs (always visible) and increases with each applied WAL record.
  void Add(int64_t scope, const Column& pks, uint64_t ts, uint64_t seq);
  // Clears (*mask)[r] for each row r of `chunk` (in partition `partition_id`) hidden by a delete
  // with seq <= max_seq. `pk_field_id` names the chunk's primary key column.
  void Hide(int64_t partition_id, const std::shared_ptr<const Chunk>& chunk, int64_t pk_field_id,
            uint64_t max_seq, std::vector<uint8_t>* mask) const;
  // Forgets deletes scoped to a dropped partition.
  void DropScope(int64_t partition_id);
  // Number of (key, delete) entries held.
  size_t size() const;

 private:
  struct Entry {
    int64_t scope;
    uint64_t ts;
    uint64_t seq;
  };
  // Returns whether an entry was added (false when an existing one already covers it).
  template <typename Map, typename Key>
  static bool AddEntry(Map& map, const Key& key, Entry entry);
  template <typename Map>
  static size_t DropFrom(Map& map, int64_t scope);
  // Rows of `chunk` hidden by the deletes with seq <= max_seq (mu_ held).
  std::vector<uint32_t> HiddenRows(int64_t partition_id, const Chunk& chunk, int64_t pk_field_id,
                                   uint64_t max_seq) const;

  mutable std::shared_mutex mu_;
  std::unordered_map<int64_t, std::vector<Entry>> int_keys_;
  std::unordered_map<std::string, std::vector<Entry>> string_keys_;
  size_t entries_ = 0;
  uint64_t generation_ = 0;  // changes with every Add that stores an entry and every DropScope
  uint64_t max_seq_ = 0;     // the highest seq ever added

  // The hidden rows of a chunk under every delete of one generation. The weak pointer tells a
  // live chunk from a new one at a freed chunk's address.
  struct CachedRows {
    std::weak_ptr<const Chunk> chunk;
    uint64_t generation;
    int64_t partition_id;
    std::vector<uint32_t> rows;
  };
  mutable std::mutex cache_mu_;
  mutable std::unordered_map<const Chunk*, CachedRows> cache_;
  mutable size_t sweep_at_ = 64;  // drop entries of freed chunks when the cache reaches this
};

// The WAL payload of a delete record: the keys as a one-column row batch.
std::string EncodeDeletePayload(const Column& pks);
Result<Column> DecodeDeletePayload(std::string_view bytes, std::string_view object_name);

// The WAL payload of an upsert record: the rows to insert and the keys they replace (the rows'
// own keys, or the client's keys when the collection generates ids).
std::string EncodeUpsertPayload(const RowBatch& rows, const Column& replaced_pks);
Result<std::pair<RowBatch, Column>> DecodeUpsertPayload(std::string_view bytes,
                                                        std::string_view object_name);

// A delta log object holding `deletes` (all with the same partition scope).
std::string EncodeDeltaLog(int64_t partition_id, const std::vector<DeleteBatch>& deletes);
// Its batches (one per distinct timestamp run). DataLoss naming `object_name` when corrupt.
Result<std::vector<DeleteBatch>> DecodeDeltaLog(std::string_view bytes,
                                                std::string_view object_name);

}  // namespace strata
