#include "engine/deletes.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>

#include "common/byte_io.h"
#include "format/batch_codec.h"
#include "format/envelope.h"

namespace strata {
namespace {

RowBatch OneColumn(const Column& column) {
  RowBatch batch;
  batch.num_rows = column.size();
  batch.columns.push_back(column);
  return batch;
}

Status CheckPkColumn(const Column& pks, std::string_view object_name) {
  if (pks.type() != DataType::kInt64 && pks.type() != DataType::kVarChar)
    return DataLoss(
        fmt::format("{}: primary keys of type {}", object_name, DataTypeName(pks.type())));
  return Status::Ok();
}

}  // namespace

template <typename Map, typename Key>
bool DeleteSet::AddEntry(Map& map, const Key& key, Entry entry) {
  auto& entries = map[key];
  // An earlier delete in the same scope with a timestamp at least as large already hides
  // everything this one would, and is visible to at least as many snapshots.
  for (const Entry& e : entries)
    if (e.scope == entry.scope && e.ts >= entry.ts && e.seq <= entry.seq) return false;
  entries.push_back(entry);
  return true;
}

void DeleteSet::Add(int64_t scope, const Column& pks, uint64_t ts, uint64_t seq) {
  std::unique_lock lock(mu_);
  Entry entry{scope, ts, seq};
  size_t added = 0;
  if (pks.type() == DataType::kInt64) {
    for (int64_t pk : pks.values<int64_t>()) added += AddEntry(int_keys_, pk, entry);
  } else {
    for (const std::string& pk : pks.values<std::string>())
      added += AddEntry(string_keys_, pk, entry);
  }
  entries_ += added;
  max_seq_ = std::max(max_seq_, seq);
  if (added > 0) ++generation_;
}

std::vector<uint32_t> DeleteSet::HiddenRows(int64_t partition_id, const Chunk& chunk,
                                            int64_t pk_field_id, uint64_t max_seq) const {
  const Column& pks = *chunk.rows.FindColumn(pk_field_id);
  auto hidden = [&](const std::vector<Entry>& entries, uint64_t row_ts) {
    for (const Entry& e : entries)
      if (e.ts > row_ts && e.seq <= max_seq &&
          (e.scope == kAllPartitions || e.scope == partition_id))
        return true;
    return false;
  };
  std::vector<uint32_t> rows;
  for (int64_t r = 0; r < chunk.num_rows(); ++r) {
    bool gone;
    if (pks.type() == DataType::kInt64) {
      auto it = int_keys_.find(pks.values<int64_t>()[r]);
      gone = it != int_keys_.end() && hidden(it->second, chunk.timestamps[r]);
    } else {
      auto it = string_keys_.find(pks.values<std::string>()[r]);
      gone = it != string_keys_.end() && hidden(it->second, chunk.timestamps[r]);
    }
    if (gone) rows.push_back(static_cast<uint32_t>(r));
  }
  return rows;
}

void DeleteSet::Hide(int64_t partition_id, const std::shared_ptr<const Chunk>& chunk,
                     int64_t pk_field_id, uint64_t max_seq, std::vector<uint8_t>* mask) const {
  std::shared_lock lock(mu_);
  if (int_keys_.empty() && string_keys_.empty()) return;
  auto apply = [mask](const std::vector<uint32_t>& rows) {
    for (uint32_t r : rows) (*mask)[r] = 0;
  };
  if (max_seq < max_seq_) {  // an older snapshot: not what the cache holds
    apply(HiddenRows(partition_id, *chunk, pk_field_id, max_seq));
    return;
  }
  {
    std::lock_guard cache_lock(cache_mu_);
    auto it = cache_.find(chunk.get());
    if (it != cache_.end() && it->second.generation == generation_ &&
        it->second.partition_id == partition_id && !it->second.chunk.expired()) {
      apply(it->second.rows);
      return;
    }
  }
  std::vector<uint32_t> rows = HiddenRows(partition_id, *chunk, pk_field_id, max_seq);
  apply(rows);
  std::lock_guard cache_lock(cache_mu_);
  if (cache_.size() >= sweep_at_) {
    std::erase_if(cache_, [](const auto& kv) { return kv.second.chunk.expired(); });
    sweep_at_ = std::max<size_t>(64, 2 * cache_.size());
  }
  cache_[chunk.get()] = CachedRows{chunk, generation_, partition_id, std::move(rows)};
}

template <typename Map>
size_t DeleteSet::DropFrom(Map& map, int64_t scope) {
  size_t removed = 0;
  for (auto it = map.begin(); it != map.end();) {
    removed += std::erase_if(it->second, [&](const Entry& e) { return e.scope == scope; });
    it = it->second.empty() ? map.erase(it) : std::next(it);
  }
  return removed;
}

void DeleteSet::DropScope(int64_t partition_id) {
  std::unique_lock lock(mu_);
  ++generation_;
  entries_ -= DropFrom(int_keys_, partition_id);
  entries_ -= DropFrom(string_keys_, partition_id);
}

size_t DeleteSet::size() const {
  std::shared_lock lock(mu_);
  return entries_;
}

std::string EncodeDeletePayload(const Column& pks) { return EncodeRowBatch(OneColumn(pks)); }

Result<Column> DecodeDeletePayload(std::string_view bytes, std::string_view object_name) {
  ASSIGN_OR_RETURN(RowBatch batch, DecodeRowBatch(bytes, object_name));
  if (batch.columns.size() != 1)
    return DataLoss(fmt::format("{}: a delete record holds {} columns, expected 1", object_name,
                                batch.columns.size()));
  RETURN_IF_ERROR(CheckPkColumn(batch.columns[0], object_name));
  return std::move(batch.columns[0]);
}

std::string EncodeUpsertPayload(const RowBatch& rows, const Column& replaced_pks) {
  std::string out;
  ByteWriter writer(&out);
  std::string encoded_rows = EncodeRowBatch(rows);
  writer.Put<uint64_t>(encoded_rows.size());
  writer.PutBytes(encoded_rows);
  writer.PutBytes(EncodeDeletePayload(replaced_pks));
  return out;
}

Result<std::pair<RowBatch, Column>> DecodeUpsertPayload(std::string_view bytes,
                                                        std::string_view object_name) {
  ByteReader reader(bytes, object_name);
  uint64_t rows_length = 0;
  std::string_view rows_bytes;
  RETURN_IF_ERROR(reader.Read(&rows_length, "upsert rows length"));
  RETURN_IF_ERROR(reader.ReadBytes(rows_length, &rows_bytes, "upsert rows"));
  ASSIGN_OR_RETURN(RowBatch rows, DecodeRowBatch(rows_bytes, object_name));
  ASSIGN_OR_RETURN(Column pks, DecodeDeletePayload(bytes.substr(reader.position()), object_name));
  return std::make_pair(std::move(rows), std::move(pks));
}

std::string EncodeDeltaLog(int64_t partition_id, const std::vector<DeleteBatch>& deletes) {
  RowBatch batch;
  Column pks = deletes.empty() ? Column(0, DataType::kInt64)
                               : Column(deletes.front().pks.field_id(), deletes.front().pks.type());
  Column timestamps(kTimestampFieldId, DataType::kInt64);
  for (const auto& d : deletes) {
    pks.Append(d.pks);
    timestamps.values<int64_t>().insert(timestamps.values<int64_t>().end(), d.pks.size(),
                                        static_cast<int64_t>(d.timestamp));
  }
  batch.num_rows = pks.size();
  batch.columns.push_back(std::move(pks));
  batch.columns.push_back(std::move(timestamps));
  std::string payload;
  ByteWriter writer(&payload);
  writer.Put<int64_t>(partition_id);
  writer.PutBytes(EncodeRowBatch(batch));
  return SealEnvelope(ObjectKind::kDeltaLog, kDeltaLogVersion, payload);
}

Result<std::vector<DeleteBatch>> DecodeDeltaLog(std::string_view bytes,
                                                std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope envelope,
                   OpenEnvelope(bytes, ObjectKind::kDeltaLog, kDeltaLogVersion, object_name));
  ByteReader reader(envelope.payload, object_name);
  int64_t partition_id = 0;
  RETURN_IF_ERROR(reader.Read(&partition_id, "partition id"));
  ASSIGN_OR_RETURN(RowBatch batch,
                   DecodeRowBatch(envelope.payload.substr(reader.position()), object_name));
  if (batch.columns.size() != 2 || batch.columns[1].field_id() != kTimestampFieldId ||
      batch.columns[1].type() != DataType::kInt64)
    return DataLoss(fmt::format("{}: expected a key column and a timestamp column", object_name));
  const Column& pks = batch.columns[0];
  RETURN_IF_ERROR(CheckPkColumn(pks, object_name));
  const auto& ts = batch.columns[1].values<int64_t>();
  std::vector<DeleteBatch> out;
  for (int64_t begin = 0; begin < batch.num_rows;) {
    int64_t end = begin + 1;
    while (end < batch.num_rows && ts[end] == ts[begin]) ++end;
    std::vector<int64_t> rows(end - begin);
    for (int64_t i = begin; i < end; ++i) rows[i - begin] = i;
    out.push_back({partition_id, static_cast<uint64_t>(ts[begin]), pks.Take(rows)});
    begin = end;
  }
  return out;
}

}  // namespace strata
