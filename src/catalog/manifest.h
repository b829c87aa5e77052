// Manifest: one complete snapshot of Strata's metadata — every collection with its schema,
// partitions, indexes, sealed segments (and the objects that hold them), WAL position and
// load state. Manifests are committed as whole objects by Catalog (catalog.h).
//
// Why whole snapshots rather than a log of edits: the manifest holds metadata and object
// names only, never row data, so even thousands of segments encode to a few megabytes at
// most; recovery is one GET of the highest version with nothing to replay; and because one
// manifest names every live object, garbage collection is the set difference between what
// the bucket holds and what the manifest names, never a guess from a LIST.
//
// All types here are plain copyable values with no synchronisation of their own. The byte
// format is described in doc/catalog.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "schema/schema.h"

namespace strata {

inline constexpr uint16_t kManifestFormatVersion = 1;

struct IndexMeta {
  int64_t index_id = 0;
  std::string index_name;
  int64_t field_id = 0;
  KeyValues params;  // index_type, metric_type and build parameters, as the client gave them
  uint64_t create_ts = 0;

  bool operator==(const IndexMeta&) const = default;
};

// One column file of a sealed segment.
struct SegmentFile {
  int64_t field_id = 0;
  std::string key;  // object key, including the root prefix
  int64_t size = 0;

  bool operator==(const SegmentFile&) const = default;
};

// A built index of one segment: the index (by id) it implements and the object holding it.
struct SegmentIndexFile {
  int64_t index_id = 0;
  std::string key;
  int64_t size = 0;

  bool operator==(const SegmentIndexFile&) const = default;
};

struct SegmentMeta {
  int64_t segment_id = 0;
  int64_t partition_id = 0;
  int64_t num_rows = 0;
  uint64_t min_ts = 0;
  uint64_t max_ts = 0;
  std::vector<SegmentFile> column_files;
  std::string stats_key;  // object key of the segment's stats (pk range + bloom filter)
  std::vector<SegmentIndexFile> index_files;  // built indexes, loaded instead of rebuilt

  bool operator==(const SegmentMeta&) const = default;
};

// One delta log: primary keys deleted at flush time, with their delete timestamps. Scoped to
// one partition, or to every partition when partition_id is 0 (partition ids are never 0).
struct DeltaLogMeta {
  std::string key;  // object key, including the root prefix
  int64_t partition_id = 0;
  int64_t num_rows = 0;
  uint64_t min_ts = 0;
  uint64_t max_ts = 0;

  bool operator==(const DeltaLogMeta&) const = default;
};

struct PartitionMeta {
  int64_t partition_id = 0;
  std::string name;
  uint64_t create_ts = 0;

  bool operator==(const PartitionMeta&) const = default;
};

// Milvus's database every server has, which cannot be dropped, and its id.
inline constexpr std::string_view kDefaultDatabase = "default";
inline constexpr int64_t kDefaultDatabaseId = 1;

// A database (CreateDatabase): a namespace of collections and aliases.
struct DatabaseMeta {
  int64_t db_id = 0;
  std::string name;
  int64_t created_ns = 0;  // wall clock, Unix nanoseconds, as Milvus reports it
  KeyValues properties;

  bool operator==(const DatabaseMeta&) const = default;
};

struct CollectionMeta {
  int64_t collection_id = 0;
  std::string database{kDefaultDatabase};  // the database it belongs to
  CollectionSchema schema;
  KeyValues properties;
  int32_t consistency_level = 0;
  int32_t shards_num = 0;
  uint64_t create_ts = 0;
  std::vector<PartitionMeta> partitions;
  std::vector<IndexMeta> indexes;
  std::vector<SegmentMeta> segments;
  // WAL objects with lsn <= this are contained in `segments`; replay starts after it.
  // 0 means nothing is covered yet.
  uint64_t wal_covered_lsn = 0;
  bool loaded = false;  // load state survives restarts, as in Milvus
  // When loaded: the partitions loaded by LoadPartitions; empty = every partition (LoadCollection).
  std::vector<int64_t> loaded_partitions;
  // Deletes persisted by flushes (WAL deletes after wal_covered_lsn are not in these yet).
  std::vector<DeltaLogMeta> delta_logs;
  // Other names of this collection (CreateAlias), sorted; unique among every collection's
  // names and aliases.
  std::vector<std::string> aliases;

  // Lookups return nullptr when absent; pointers are valid until the vector changes.
  const PartitionMeta* FindPartition(std::string_view name) const;
  const PartitionMeta* FindPartition(int64_t partition_id) const;
  const IndexMeta* FindIndexForField(int64_t field_id) const;
  const IndexMeta* FindIndex(std::string_view index_name) const;
  const SegmentMeta* FindSegment(int64_t segment_id) const;
  SegmentMeta* FindSegment(int64_t segment_id);
  // Rows in sealed segments (deletes not subtracted).
  int64_t SealedRows() const;
  // True when loaded and `partition_id` is among the loaded partitions.
  bool PartitionLoaded(int64_t partition_id) const;

  bool operator==(const CollectionMeta&) const = default;
};

struct Manifest {
  uint64_t version = 0;
  std::vector<CollectionMeta> collections;
  // The databases created by clients, without `default` (which always exists) unless its
  // properties were altered.
  std::vector<DatabaseMeta> databases;

  // By name in the default database.
  const CollectionMeta* FindCollection(std::string_view name) const;
  CollectionMeta* FindCollection(std::string_view name);
  const CollectionMeta* FindCollection(int64_t collection_id) const;
  CollectionMeta* FindCollection(int64_t collection_id);

  bool operator==(const Manifest&) const = default;
};

// JSON payload sealed in an envelope (ObjectKind::kManifest, kManifestFormatVersion).
std::string EncodeManifest(const Manifest& manifest);

// Inverse of EncodeManifest. Any problem — bad envelope, bad JSON, a missing key, a value
// of the wrong type or out of range — is DataLoss naming `object_name`. Never throws.
Result<Manifest> DecodeManifest(std::string_view bytes, std::string_view object_name);

}  // namespace strata
