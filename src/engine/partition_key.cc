#include "engine/partition_key.h"

#include <fmt/format.h>

#include <map>
#include <variant>

#include "common/checksum.h"

namespace strata {

uint64_t PartitionKeyHash(int64_t key) {
  // Little-endian bytes whatever the host, so the routing is the same on every machine.
  uint8_t bytes[8];
  auto bits = static_cast<uint64_t>(key);
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(bits >> (8 * i));
  return Checksum64(bytes, sizeof(bytes));
}

uint64_t PartitionKeyHash(std::string_view key) { return Checksum64(key); }

std::string KeyPartitionName(int64_t index) { return fmt::format("_default_{}", index); }

Result<int64_t> KeyPartitionCount(const CollectionSchema& schema, int64_t num_partitions) {
  if (schema.PartitionKeyField() == nullptr) {
    if (num_partitions != 0)
      return InvalidArgument(
          "num_partitions should only be specified with partition key field enabled");
    return int64_t{0};
  }
  if (num_partitions < 0)
    return InvalidArgument(
        "the specified partitions should be greater than 0 if partition key is used");
  if (num_partitions > kMaxPartitions)
    return InvalidArgument(fmt::format("partition number ({}) exceeds max configuration ({})",
                                       num_partitions, kMaxPartitions));
  return num_partitions == 0 ? kDefaultKeyPartitions : num_partitions;
}

Result<PartitionRouter> PartitionRouter::FromMeta(const CollectionMeta& meta) {
  const FieldSchema* key = meta.schema.PartitionKeyField();
  if (key == nullptr)
    return InvalidArgument(
        fmt::format("collection '{}' has no partition key field", meta.schema.name));
  std::vector<int64_t> ids;
  for (size_t i = 0; i < meta.partitions.size(); ++i) {
    const PartitionMeta* p = meta.FindPartition(KeyPartitionName(static_cast<int64_t>(i)));
    if (p == nullptr)
      return DataLoss(
          fmt::format("collection '{}' is in partition key mode but has no partition {}",
                      meta.schema.name, KeyPartitionName(static_cast<int64_t>(i))));
    ids.push_back(p->partition_id);
  }
  if (ids.empty())
    return DataLoss(fmt::format("collection '{}' is in partition key mode but has no partitions",
                                meta.schema.name));
  return PartitionRouter(*key, std::move(ids));
}

int64_t PartitionRouter::PartitionOf(int64_t key) const {
  return partition_ids_[PartitionKeyHash(key) % partition_ids_.size()];
}

int64_t PartitionRouter::PartitionOf(std::string_view key) const {
  return partition_ids_[PartitionKeyHash(key) % partition_ids_.size()];
}

std::vector<std::pair<int64_t, std::shared_ptr<Chunk>>> PartitionRouter::Split(
    const std::shared_ptr<Chunk>& chunk) const {
  const Column& keys = *chunk->rows.FindColumn(key_field_.field_id);
  std::vector<int64_t> partition_of(chunk->num_rows());
  for (int64_t r = 0; r < chunk->num_rows(); ++r)
    partition_of[r] = key_field_.type == DataType::kInt64
                          ? PartitionOf(keys.values<int64_t>()[r])
                          : PartitionOf(keys.values<std::string>()[r]);
  std::map<int64_t, std::vector<int64_t>> rows_of;  // by partition id
  for (int64_t r = 0; r < chunk->num_rows(); ++r) rows_of[partition_of[r]].push_back(r);
  std::vector<std::pair<int64_t, std::shared_ptr<Chunk>>> out;
  if (rows_of.size() == 1) {
    out.emplace_back(rows_of.begin()->first, chunk);
    return out;
  }
  for (int64_t id : partition_ids_) {
    auto it = rows_of.find(id);
    if (it == rows_of.end()) continue;
    auto part = std::make_shared<Chunk>();
    part->rows = chunk->rows.Take(it->second);
    for (int64_t r : it->second) part->timestamps.push_back(chunk->timestamps[r]);
    out.emplace_back(id, std::move(part));
  }
  return out;
}

std::optional<std::set<int64_t>> PartitionRouter::Prune(const expr::Plan& plan) const {
  std::optional<expr::ValueList> values = expr::FieldValueLookup(plan, key_field_);
  if (!values) return std::nullopt;
  std::set<int64_t> out;
  std::visit(
      [&](const auto& list) {
        for (const auto& v : list) out.insert(PartitionOf(v));
      },
      *values);
  return out;
}

}  // namespace strata
