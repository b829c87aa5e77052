// Partition key mode (doc/design.md "Partition key"): a collection whose schema has an
// is_partition_key field gets `num_partitions` partitions named `_default_0` ...
// `_default_{n-1}` when it is created, and never gains or loses one. Each row belongs to
// partition PartitionKeyHash(key) % n; reads whose filter pins the key to a few values read
// only the partitions those values hash to.
//
// The hash is part of the durable format: sealed segments and WAL replay depend on it, so it
// must never change for an existing collection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/manifest.h"
#include "common/result.h"
#include "engine/deletes.h"
#include "expr/expr.h"
#include "segment/segment.h"

namespace strata {

// Milvus's default partition count in key mode (common.DefaultPartitionsWithPartitionKey).
inline constexpr int64_t kDefaultKeyPartitions = 16;
// Partitions per collection at most, key mode or not (rootCoord.maxPartitionNum in the
// milvus.yaml Milvus ships).
inline constexpr int64_t kMaxPartitions = 1024;
// The partition id of a WAL insert or upsert record whose rows are routed by key: applying it
// (live or at replay) splits the rows by PartitionRouter::Split, so a batch stays one record.
// For the delete half of an upsert it means every partition, as for a delete record.
inline constexpr int64_t kRoutedByKey = kAllPartitions;

// XXH3-64 (seed 0) of the key's bytes: the 8 little-endian bytes of an Int64, the UTF-8 bytes
// of a VarChar.
uint64_t PartitionKeyHash(int64_t key);
uint64_t PartitionKeyHash(std::string_view key);

// "_default_{index}".
std::string KeyPartitionName(int64_t index);

// The number of partitions CreateCollection makes for `schema` given the request's
// num_partitions: 0 when there is no partition key (then num_partitions must be 0), else
// num_partitions or kDefaultKeyPartitions when it is 0. InvalidArgument, in Milvus's words,
// for num_partitions without a key, below 0 or above kMaxPartitions.
Result<int64_t> KeyPartitionCount(const CollectionSchema& schema, int64_t num_partitions);

// Routes rows of a key-mode collection to its partitions. Immutable, so thread-safe.
class PartitionRouter {
 public:
  // The router of a collection whose schema has a partition key field; DataLoss when its
  // catalog entry lacks one of the partitions `_default_0` ... (there are as many as the
  // entry has partitions, since none can be created or dropped in key mode).
  static Result<PartitionRouter> FromMeta(const CollectionMeta& meta);

  const FieldSchema& key_field() const { return key_field_; }
  // Partition ids by index: partition i is `_default_i`.
  const std::vector<int64_t>& partition_ids() const { return partition_ids_; }

  int64_t PartitionOf(int64_t key) const;
  int64_t PartitionOf(std::string_view key) const;

  // The rows of `chunk` by partition, in row order within each: one (partition id, chunk)
  // per partition that receives rows, in partition index order. `chunk` itself when every
  // row goes to one partition. The chunk must hold the key field's column.
  std::vector<std::pair<int64_t, std::shared_ptr<Chunk>>> Split(
      const std::shared_ptr<Chunk>& chunk) const;

  // The partitions that can hold rows passing `plan`: those the values of its top-level
  // `key == v` / `key in [...]` conjuncts hash to (expr::FieldValueLookup); nullopt when the
  // plan does not pin the key (every partition).
  std::optional<std::set<int64_t>> Prune(const expr::Plan& plan) const;

 private:
  PartitionRouter(FieldSchema key_field, std::vector<int64_t> partition_ids)
      : key_field_(std::move(key_field)), partition_ids_(std::move(partition_ids)) {}

  FieldSchema key_field_;
  std::vector<int64_t> partition_ids_;
};

}  // namespace strata
