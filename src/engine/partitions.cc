// Engine: partition DDL and partition-level load state.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/partition_key.h"
#include "engine/read_common.h"

namespace strata {
namespace {

Status ValidatePartitionName(const std::string& name) {
  if (name.empty()) return InvalidArgument("partition name should not be empty");
  if (name.size() > 255)
    return InvalidArgument(
        fmt::format("the length of a partition name must be less than 255 "
                    "characters: {}",
                    name));
  auto is_alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  if (!is_alpha(name[0]) && name[0] != '_')
    return InvalidArgument(fmt::format(
        "the first character of a partition name must be an underscore or letter: {}", name));
  for (char c : name)
    if (!is_alpha(c) && c != '_' && !std::isdigit(static_cast<unsigned char>(c)))
      return InvalidArgument(fmt::format(
          "partition name can only contain numbers, letters and underscores: {}", name));
  return Status::Ok();
}

// Milvus's answer to partition DDL in partition key mode; `what` is e.g. "create partition".
Status KeyModeRefuses(const Collection& collection, std::string_view what) {
  if (collection.router() == nullptr) return Status::Ok();
  return InvalidArgument(fmt::format("disable {} if partition key mode is used", what));
}

}  // namespace

Result<int64_t> Engine::WritePartition(const Collection& collection, const CollectionMeta& meta,
                                       const std::string& partition) {
  if (collection.router() == nullptr)
    return PartitionId(meta, partition.empty() ? "_default" : partition);
  if (!partition.empty()) return InvalidArgument(kNoPartitionNamesInKeyMode);
  return kRoutedByKey;
}

Result<int64_t> Engine::PartitionId(const CollectionMeta& meta, const std::string& partition) {
  const PartitionMeta* p = meta.FindPartition(partition);
  if (p == nullptr)
    return Status(StatusCode::kNotFound,
                  fmt::format("partition not found[partition={}]", partition),
                  ErrorTag::kPartitionNotFound);
  return p->partition_id;
}

Status Engine::CreatePartition(const CollectionName& collection_name,
                               const std::string& partition) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  RETURN_IF_ERROR(KeyModeRefuses(*collection, "create partition"));
  RETURN_IF_ERROR(ValidatePartitionName(partition));
  return catalog_->Commit([&](Manifest& m) -> Status {
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr)
      return Status(StatusCode::kNotFound,
                    fmt::format("collection not found[collection={}]", collection_name.name),
                    ErrorTag::kCollectionNotFound);
    if (c->FindPartition(partition)) return Status::Ok();  // Milvus: creating it again succeeds
    if (static_cast<int64_t>(c->partitions.size()) >= kMaxPartitions)
      return InvalidArgument(fmt::format("partition number ({}) exceeds max configuration ({})",
                                         c->partitions.size() + 1, kMaxPartitions));
    uint64_t ts = clock_.Now();
    c->partitions.push_back({static_cast<int64_t>(ts), partition, ts});
    return Status::Ok();
  });
}

Status Engine::DropPartition(const CollectionName& collection_name, const std::string& partition) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  RETURN_IF_ERROR(KeyModeRefuses(*collection, "drop partition"));
  if (partition == "_default") return InvalidArgument("default partition cannot be deleted");
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  const PartitionMeta* p = meta.FindPartition(partition);
  if (p == nullptr) return Status::Ok();  // Milvus: dropping a missing partition succeeds
  const int64_t id = p->partition_id;
  if (meta.PartitionLoaded(id))
    return FailedPrecondition(fmt::format(
        "partition cannot be dropped, partition is loaded, please release it first[partition={}]",
        partition));
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) -> Status {
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr) return Status::Ok();
    std::erase_if(c->partitions, [&](const PartitionMeta& x) { return x.partition_id == id; });
    std::erase_if(c->segments, [&](const SegmentMeta& s) { return s.partition_id == id; });
    std::erase_if(c->delta_logs, [&](const DeltaLogMeta& d) { return d.partition_id == id; });
    std::erase(c->loaded_partitions, id);
    return Status::Ok();
  }));
  collection->DropPartition(id);
  // The catalog no longer names these objects; a failure here leaves garbage, not damage.
  Status st = collection->DeletePartitionObjects(id);
  if (!st.ok())
    spdlog::warn("drop partition {}.{}: leftover objects: {}", collection_name.name, partition,
                 st.ToString());
  return Status::Ok();
}

Result<std::vector<PartitionInfo>> Engine::ShowPartitions(const CollectionName& collection_name) {
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  std::vector<PartitionInfo> out;
  for (const auto& p : meta.partitions) out.push_back({p, meta.PartitionLoaded(p.partition_id)});
  return out;
}

Status Engine::LoadPartitions(const CollectionName& collection_name,
                              const std::vector<std::string>& partitions) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  RETURN_IF_ERROR(KeyModeRefuses(*collection, "load partitions"));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  if (partitions.empty()) return InvalidArgument("partition names should not be empty");
  std::set<int64_t> wanted;
  for (const auto& name : partitions) {
    ASSIGN_OR_RETURN(int64_t id, PartitionId(meta, name));
    wanted.insert(id);
  }
  if (meta.loaded && meta.loaded_partitions.empty()) return Status::Ok();  // all are loaded
  if (meta.loaded) wanted.insert(meta.loaded_partitions.begin(), meta.loaded_partitions.end());
  std::vector<int64_t> ids(wanted.begin(), wanted.end());
  RETURN_IF_ERROR(collection->Load(meta, ids));
  return catalog_->Commit([&](Manifest& m) -> Status {
    if (CollectionMeta* c = m.FindCollection(collection->id())) {
      c->loaded = true;
      c->loaded_partitions = ids;
    }
    return Status::Ok();
  });
}

Status Engine::ReleasePartitions(const CollectionName& collection_name,
                                 const std::vector<std::string>& partitions) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  RETURN_IF_ERROR(KeyModeRefuses(*collection, "release partitions"));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  if (partitions.empty()) return InvalidArgument("partition names should not be empty");
  std::set<int64_t> released;
  for (const auto& name : partitions) {
    ASSIGN_OR_RETURN(int64_t id, PartitionId(meta, name));
    released.insert(id);
  }
  if (!meta.loaded) return Status::Ok();
  std::vector<int64_t> remaining;
  for (const auto& p : meta.partitions)
    if (meta.PartitionLoaded(p.partition_id) && !released.count(p.partition_id))
      remaining.push_back(p.partition_id);
  if (remaining.empty()) {
    collection->Release();
  } else {
    RETURN_IF_ERROR(collection->Load(meta, remaining));
  }
  return catalog_->Commit([&](Manifest& m) -> Status {
    if (CollectionMeta* c = m.FindCollection(collection->id())) {
      c->loaded = !remaining.empty();
      c->loaded_partitions = remaining;
    }
    return Status::Ok();
  });
}

Result<int64_t> Engine::PartitionRowCount(const CollectionName& collection_name,
                                          const std::string& partition) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  ASSIGN_OR_RETURN(int64_t id, PartitionId(meta, partition));
  return collection->RowCount(id);
}

}  // namespace strata
