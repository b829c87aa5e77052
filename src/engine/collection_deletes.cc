// Collection: deletes, upserts, delta logs and dropping partitions (see collection.h).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "engine/collection.h"

namespace strata {
namespace {

Status CheckKeys(const FieldSchema& pk, const Column& pks, int64_t rows) {
  if (pks.type() != pk.type)
    return InvalidArgument(fmt::format("primary key '{}' is {} but the keys are {}", pk.name,
                                       DataTypeName(pk.type), DataTypeName(pks.type())));
  if (pks.size() != rows)
    return InvalidArgument(
        fmt::format("primary key '{}' has {} values, expected {}", pk.name, pks.size(), rows));
  return Status::Ok();
}

}  // namespace

void Collection::ApplyDelete(int64_t scope, Column pks, uint64_t ts) {
  deletes_->Add(scope, pks, ts, ++delete_seq_);
  pending_deletes_.push_back({scope, ts, std::move(pks)});
}

Result<uint64_t> Collection::Delete(int64_t scope, Column pks) {
  if (dropped_)
    return Status(StatusCode::kNotFound, "collection was dropped", ErrorTag::kCollectionNotFound);
  RETURN_IF_ERROR(CheckKeys(schema_.PrimaryField(), pks, pks.size()));
  if (pks.size() == 0) return InvalidArgument("no primary keys to delete");
  uint64_t ts = clock_->Now();
  WalRecord record{WalRecordType::kDelete, ts, scope, EncodeDeletePayload(pks)};
  auto lsn = wal_->Append(std::move(record), [&](uint64_t, const WalRecord&) {
    std::lock_guard lock(mu_);
    if (scope == kAllPartitions || !dropped_partitions_.count(scope)) ApplyDelete(scope, pks, ts);
  });
  if (!lsn.ok()) return lsn.status().WithContext("write-ahead log");
  return ts;
}

Result<InsertResult> Collection::Upsert(int64_t partition_id, RowBatch batch) {
  if (dropped_)
    return Status(StatusCode::kNotFound, "collection was dropped", ErrorTag::kCollectionNotFound);
  if (batch.num_rows == 0) return InvalidArgument("no rows to upsert");
  RETURN_IF_ERROR(CheckRouting(partition_id));
  const FieldSchema& pk = schema_.PrimaryField();
  const Column* given = batch.FindColumn(pk.field_id);
  if (given == nullptr)
    return InvalidArgument(
        fmt::format("upsert needs the primary key field '{}' in the data", pk.name));
  Column replaced = *given;
  RETURN_IF_ERROR(CheckKeys(pk, replaced, batch.num_rows));
  // Milvus: with auto_id the given keys are deleted and the new rows get generated keys.
  if (pk.auto_id)
    std::erase_if(batch.columns, [&](const Column& c) { return c.field_id() == pk.field_id; });
  ASSIGN_OR_RETURN(RowBatch rows, PrepareBatch(std::move(batch)));
  uint64_t ts = clock_->Now();
  auto chunk = std::make_shared<Chunk>();
  chunk->timestamps.assign(rows.num_rows, ts);
  chunk->rows = std::move(rows);
  auto parts = PlaceRows(partition_id, chunk);

  WalRecord record{WalRecordType::kUpsert, ts, partition_id,
                   EncodeUpsertPayload(chunk->rows, replaced)};
  auto lsn = wal_->Append(std::move(record), [&](uint64_t, const WalRecord&) {
    std::lock_guard lock(mu_);
    if (dropped_partitions_.count(partition_id)) return;
    // Both halves under one lock: no snapshot sees the delete without the new rows.
    ApplyDelete(partition_id, replaced, ts);  // kRoutedByKey: every partition
    for (const auto& [partition, part] : parts) GrowingFor(partition)->Append(part);
  });
  if (!lsn.ok()) return lsn.status().WithContext("write-ahead log");
  return InsertResult{*chunk->rows.FindColumn(pk.field_id), ts};
}

Status Collection::LoadDeltaLogs(const CollectionMeta& meta) {
  for (const auto& log : meta.delta_logs) {
    auto bytes = store_->Get(log.key);
    if (!bytes.ok()) {
      if (bytes.status().code() == StatusCode::kNotFound)
        return DataLoss(fmt::format("delta log {} named by the catalog is missing", log.key));
      return bytes.status().WithContext("reading delta log " + log.key);
    }
    ASSIGN_OR_RETURN(std::vector<DeleteBatch> batches, DecodeDeltaLog(*bytes, log.key));
    for (const auto& batch : batches) {
      clock_->Observe(batch.timestamp);
      deletes_->Add(batch.partition_id, batch.pks, batch.timestamp, 0);
    }
  }
  return Status::Ok();
}

Result<std::vector<DeltaLogMeta>> Collection::WriteDeltaLogs(
    const std::vector<DeleteBatch>& deletes) {
  std::map<int64_t, std::vector<DeleteBatch>> by_scope;
  for (const auto& d : deletes) by_scope[d.partition_id].push_back(d);
  std::vector<DeltaLogMeta> out;
  for (const auto& [scope, batches] : by_scope) {
    DeltaLogMeta meta;
    meta.partition_id = scope;
    meta.key = fmt::format("{}delta_log/{}/{}/0/{}", root_, id_, scope, clock_->Now());
    meta.min_ts = UINT64_MAX;
    for (const auto& b : batches) {
      meta.num_rows += b.pks.size();
      meta.min_ts = std::min(meta.min_ts, b.timestamp);
      meta.max_ts = std::max(meta.max_ts, b.timestamp);
    }
    RETURN_IF_ERROR(store_->Put(meta.key, EncodeDeltaLog(scope, batches))
                        .WithContext("writing delta log " + meta.key));
    out.push_back(std::move(meta));
  }
  return out;
}

void Collection::DropPartition(int64_t partition_id) {
  // Inside the WAL's exclusive section so no record of the partition is half applied.
  wal_->RunExclusive([&](uint64_t) {
    std::lock_guard lock(mu_);
    dropped_partitions_.insert(partition_id);
    growing_.erase(partition_id);
    std::erase_if(sealing_, [&](const auto& seg) { return seg->partition_id() == partition_id; });
    std::erase_if(sealed_, [&](const auto& e) { return e.second.partition_id == partition_id; });
    std::erase_if(sealed_info_,
                  [&](const auto& e) { return e.second.partition_id == partition_id; });
    auto scoped = [&](const DeleteBatch& d) { return d.partition_id == partition_id; };
    std::erase_if(pending_deletes_, scoped);
    std::erase_if(flushing_deletes_, scoped);
    if (loaded_partitions_) loaded_partitions_->erase(partition_id);
  });
  deletes_->DropScope(partition_id);
}

Status Collection::DeletePartitionObjects(int64_t partition_id) {
  for (const char* kind : {"insert_log", "stats_log", "delta_log"}) {
    ASSIGN_OR_RETURN(auto objects,
                     store_->List(fmt::format("{}{}/{}/{}/", root_, kind, id_, partition_id)));
    std::vector<std::string> keys;
    for (auto& o : objects) keys.push_back(std::move(o.key));
    RETURN_IF_ERROR(store_->DeleteMany(keys));
  }
  return Status::Ok();
}

}  // namespace strata
