#include "engine/read_common.h"

#include <fmt/format.h>

#include <algorithm>

namespace strata {

Result<OutputFields> ResolveOutputFields(const CollectionSchema& schema,
                                         const std::vector<std::string>& names) {
  const FieldSchema* dynamic = schema.DynamicField();
  std::set<std::string> wanted;
  OutputFields out;
  bool all = false;
  for (const auto& name : names) {
    if (name == "*") {
      all = true;
    } else if (schema.FindField(name) != nullptr) {
      wanted.insert(name);
    } else if (dynamic == nullptr) {
      return InvalidArgument(fmt::format("field {} not exist", name));
    } else if (std::find(out.dynamic_keys.begin(), out.dynamic_keys.end(), name) ==
               out.dynamic_keys.end()) {
      out.dynamic_keys.push_back(name);
    }
  }
  out.whole_dynamic = dynamic != nullptr && (all || wanted.count(dynamic->name));
  for (const auto& field : schema.fields) {
    if (field.is_dynamic) {
      if (out.whole_dynamic || !out.dynamic_keys.empty()) out.fields.push_back(&field);
      if (out.whole_dynamic) out.names.push_back(field.name);
    } else if (all || field.is_primary_key || wanted.count(field.name)) {
      out.fields.push_back(&field);
      out.names.push_back(field.name);
    }
  }
  out.names.insert(out.names.end(), out.dynamic_keys.begin(), out.dynamic_keys.end());
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
  if (sc.deletes) sc.deletes->Hide(sc.partition_id, sc.chunk, pk_field_id, sc.delete_seq, &mask);
  if (sc.expire_before > 0)
    for (int64_t r = 0; r < chunk.num_rows(); ++r)
      if (chunk.timestamps[r] < sc.expire_before) mask[r] = 0;
  return mask;
}

Column GatherColumn(const FieldSchema& field, const std::vector<RowRef>& rows) {
  Column out = ColumnForField(field);
  out.Reserve(static_cast<int64_t>(rows.size()));
  for (const auto& ref : rows) out.AppendRow(*ref.chunk->rows.FindColumn(field.field_id), ref.row);
  return out;
}

namespace {

// Keeps only `keys` of each row's dynamic object (rows are objects: ValidateBatch checks).
void CutDynamic(const std::vector<std::string>& keys, Column& column) {
  for (std::string& text : column.values<std::string>()) {
    auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    nlohmann::json kept = nlohmann::json::object();
    if (doc.is_object())
      for (const auto& key : keys)
        if (auto it = doc.find(key); it != doc.end()) kept[key] = *it;
    text = kept.dump();
  }
}

}  // namespace

RowBatch GatherOutputs(const OutputFields& outputs, const std::vector<RowRef>& rows) {
  RowBatch batch;
  batch.num_rows = static_cast<int64_t>(rows.size());
  for (const FieldSchema* f : outputs.fields) {
    batch.columns.push_back(GatherColumn(*f, rows));
    if (f->is_dynamic && !outputs.whole_dynamic)
      CutDynamic(outputs.dynamic_keys, batch.columns.back());
  }
  return batch;
}

}  // namespace strata
