#include "engine/read_common.h"

#include <fmt/format.h>

namespace strata {

Result<std::vector<const FieldSchema*>> ResolveOutputFields(const CollectionSchema& schema,
                                                            const std::vector<std::string>& names) {
  std::set<std::string> wanted;
  bool all = false;
  for (const auto& name : names) {
    if (name == "*") {
      all = true;
    } else if (schema.FindField(name) == nullptr) {
      return InvalidArgument(fmt::format("field {} not exist", name));
    } else {
      wanted.insert(name);
    }
  }
  std::vector<const FieldSchema*> out;
  for (const auto& field : schema.fields)
    if (all || field.is_primary_key || wanted.count(field.name)) out.push_back(&field);
  return out;
}

Result<Snapshot> SelectPartitions(const CollectionMeta& meta, const PartitionRouter* router,
                                  const expr::Plan* plan, Snapshot snapshot,
                                  const std::vector<std::string>& names) {
  if (router != nullptr) {
    if (!names.empty()) return InvalidArgument(kNoPartitionNamesInKeyMode);
    if (plan == nullptr) return snapshot;
    // The full filter still runs on what is kept; pruning only skips partitions it cannot match.
    if (auto keep = router->Prune(*plan))
      std::erase_if(snapshot, [&](const SnapshotChunk& c) { return !keep->count(c.partition_id); });
    return snapshot;
  }
  if (names.empty()) return snapshot;
  std::set<int64_t> ids;
  for (const auto& name : names) {
    const PartitionMeta* p = meta.FindPartition(name);
    if (p == nullptr)
      return Status(StatusCode::kNotFound, fmt::format("partition not found[partition={}]", name),
                    ErrorTag::kPartitionNotFound);
    if (!meta.PartitionLoaded(p->partition_id))
      return Status(StatusCode::kFailedPrecondition,
                    fmt::format("partition not loaded[partition={}]", name),
                    ErrorTag::kPartitionNotLoaded);
    ids.insert(p->partition_id);
  }
  std::erase_if(snapshot, [&](const SnapshotChunk& c) { return !ids.count(c.partition_id); });
  return snapshot;
}

Result<std::shared_ptr<const expr::Plan>> ParseOptionalFilter(
    const std::string& filter, const CollectionSchema& schema,
    const expr::ExprTemplateValues& values) {
  if (filter.find_first_not_of(" \t\r\n") == std::string::npos)
    return std::shared_ptr<const expr::Plan>();
  auto plan = expr::ParseFilter(filter, schema, &values);
  if (!plan.ok()) return plan.status().WithContext("invalid filter expression '" + filter + "'");
  return std::move(plan).value();
}

Result<std::vector<uint8_t>> FilterChunk(const expr::Plan* plan, const SnapshotChunk& sc,
                                         int64_t pk_field_id) {
  const Chunk& chunk = *sc.chunk;
  std::vector<uint8_t> mask;
  if (plan == nullptr) {
    mask.assign(chunk.num_rows(), 1);
  } else {
    RETURN_IF_ERROR(expr::EvaluateFilter(*plan, chunk.rows, &mask));
  }
  if (sc.deletes) sc.deletes->Hide(sc.partition_id, chunk, pk_field_id, sc.delete_seq, &mask);
  return mask;
}

Column GatherColumn(const FieldSchema& field, const std::vector<RowRef>& rows) {
  Column out(field.field_id, field.type, field.dim);
  out.Reserve(static_cast<int64_t>(rows.size()));
  for (const auto& ref : rows) out.AppendRow(*ref.chunk->rows.FindColumn(field.field_id), ref.row);
  return out;
}

}  // namespace strata
