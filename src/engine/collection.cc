#include "engine/collection.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "engine/read_common.h"
#include "format/batch_codec.h"
#include "segment/segment_io.h"
#include "wal/wal_reader.h"

namespace strata {

Collection::Collection(ObjectStore* store, std::string root, Catalog* catalog, HybridClock* clock,
                       const CollectionMeta& meta)
    : store_(store),
      root_(std::move(root)),
      catalog_(catalog),
      clock_(clock),
      id_(meta.collection_id),
      schema_(meta.schema),
      name_(meta.schema.name) {
  // Validated when set, so a manifest holds nothing else; 0 if it somehow did.
  auto ttl = TtlSeconds(meta.properties);
  ttl_seconds_ = ttl.ok() ? *ttl : 0;
}

Result<int64_t> TtlSeconds(const KeyValues& properties) {
  for (const auto& [key, value] : properties) {
    if (key != kTtlProperty) continue;
    int64_t seconds = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size() || seconds < 0)
      return InvalidArgument(
          fmt::format("{} must be a non-negative integer, got '{}'", kTtlProperty, value));
    return seconds;
  }
  return 0;
}

std::string Collection::name() const {
  std::lock_guard lock(mu_);
  return name_;
}

void Collection::Rename(std::string name) {
  std::lock_guard lock(mu_);
  name_ = std::move(name);
}

uint64_t Collection::ExpireBefore() const {
  const int64_t ttl = ttl_seconds_.load();
  if (ttl <= 0) return 0;
  const uint64_t now = WallClockMs();
  const uint64_t span = static_cast<uint64_t>(ttl) * 1000;
  return now > span ? ComposeTs(now - span, 0) : 0;
}

std::string Collection::WalPrefix() const { return fmt::format("{}wal/{}/0/", root_, id_); }

Status Collection::Recover(const CollectionMeta& meta) {
  if (schema_.PartitionKeyField() != nullptr) {
    ASSIGN_OR_RETURN(PartitionRouter router, PartitionRouter::FromMeta(meta));
    router_.emplace(std::move(router));
  }
  for (const auto& seg : meta.segments) {
    sealed_info_[seg.segment_id] = {seg.partition_id, seg.num_rows};
    clock_->Observe(seg.max_ts);
  }
  RETURN_IF_ERROR(LoadDeltaLogs(meta));
  ASSIGN_OR_RETURN(std::vector<uint64_t> lsns, ListWal(store_, WalPrefix()));
  uint64_t next_lsn = meta.wal_covered_lsn + 1;
  int64_t replayed = 0;
  for (uint64_t lsn : lsns) {
    if (lsn <= meta.wal_covered_lsn) continue;  // left over from an interrupted truncation
    // Lsns after the covered position are dense: a gap means a lost, acknowledged batch.
    if (lsn != next_lsn)
      return DataLoss(fmt::format("WAL object {} is missing (found {} after covered lsn {})",
                                  WalKey(WalPrefix(), next_lsn), WalKey(WalPrefix(), lsn),
                                  meta.wal_covered_lsn));
    next_lsn = lsn + 1;
    ASSIGN_OR_RETURN(std::vector<WalRecord> records, ReadWalObject(store_, WalPrefix(), lsn));
    for (const auto& record : records) {
      clock_->Observe(record.timestamp);
      // Records of a partition dropped since are not replayed (partition ids are never reused).
      if (record.partition_id != kAllPartitions &&
          meta.FindPartition(record.partition_id) == nullptr)
        continue;
      std::lock_guard lock(mu_);
      RETURN_IF_ERROR(ApplyRecord(record, WalKey(WalPrefix(), lsn)));
      ++replayed;
    }
  }
  wal_ = std::make_unique<WalWriter>(store_, WalPrefix(), next_lsn, WalOptions{});
  wal_->AdoptExisting(lsns);
  if (replayed > 0)
    spdlog::info("collection {} ({}): replayed {} WAL records after lsn {}", schema_.name, id_,
                 replayed, meta.wal_covered_lsn);
  return Status::Ok();
}

Status Collection::ApplyRecord(const WalRecord& record, std::string_view object_name) {
  if (record.type != WalRecordType::kDelete && !CheckRouting(record.partition_id).ok())
    return DataLoss(
        fmt::format("{}: rows for partition {} do not match the collection's partition "
                    "key mode",
                    object_name, record.partition_id));
  switch (record.type) {
    case WalRecordType::kInsert: {
      ASSIGN_OR_RETURN(RowBatch rows, DecodeRowBatch(record.payload, object_name));
      auto chunk = std::make_shared<Chunk>();
      chunk->timestamps.assign(rows.num_rows, record.timestamp);
      chunk->rows = std::move(rows);
      for (auto& [partition, part] : PlaceRows(record.partition_id, chunk))
        GrowingFor(partition)->Append(std::move(part));
      return Status::Ok();
    }
    case WalRecordType::kDelete: {
      ASSIGN_OR_RETURN(Column pks, DecodeDeletePayload(record.payload, object_name));
      ApplyDelete(record.partition_id, std::move(pks), record.timestamp);
      return Status::Ok();
    }
    case WalRecordType::kUpsert: {
      ASSIGN_OR_RETURN(auto upsert, DecodeUpsertPayload(record.payload, object_name));
      // kRoutedByKey is also kAllPartitions: in key mode the keys are replaced everywhere.
      ApplyDelete(record.partition_id, std::move(upsert.second), record.timestamp);
      auto chunk = std::make_shared<Chunk>();
      chunk->timestamps.assign(upsert.first.num_rows, record.timestamp);
      chunk->rows = std::move(upsert.first);
      for (auto& [partition, part] : PlaceRows(record.partition_id, chunk))
        GrowingFor(partition)->Append(std::move(part));
      return Status::Ok();
    }
  }
  return DataLoss(fmt::format("{}: unknown record type", object_name));
}

std::shared_ptr<Segment> Collection::GrowingFor(int64_t partition_id) {
  auto& seg = growing_[partition_id];
  if (!seg) seg = std::make_shared<Segment>(static_cast<int64_t>(clock_->Now()), partition_id);
  return seg;
}

Status Collection::CheckRouting(int64_t partition_id) const {
  if ((partition_id == kRoutedByKey) == router_.has_value()) return Status::Ok();
  return FailedPrecondition(router_ ? "rows of a partition key collection must be routed by key"
                                    : "rows must name a partition");
}

std::vector<std::pair<int64_t, std::shared_ptr<Chunk>>> Collection::PlaceRows(
    int64_t partition_id, const std::shared_ptr<Chunk>& chunk) const {
  if (partition_id == kRoutedByKey && router_) return router_->Split(chunk);
  return {{partition_id, chunk}};
}

Result<RowBatch> Collection::PrepareBatch(RowBatch batch) {
  CompleteBatch(schema_, batch);
  RETURN_IF_ERROR(ValidateBatch(schema_, batch));
  const FieldSchema& pk = schema_.PrimaryField();
  if (pk.auto_id) {
    Column ids(pk.field_id, DataType::kInt64);
    uint64_t first = clock_->Reserve(batch.num_rows);
    auto& v = ids.values<int64_t>();
    v.resize(batch.num_rows);
    for (int64_t i = 0; i < batch.num_rows; ++i) v[i] = static_cast<int64_t>(first + i);
    batch.columns.push_back(std::move(ids));
  }
  // Columns in schema order, so every chunk and file has the same layout.
  RowBatch ordered;
  ordered.num_rows = batch.num_rows;
  for (const auto& field : schema_.fields)
    ordered.columns.push_back(std::move(*batch.FindColumn(field.field_id)));
  return ordered;
}

Result<InsertResult> Collection::Insert(int64_t partition_id, RowBatch batch) {
  if (dropped_)
    return Status(StatusCode::kNotFound, "collection was dropped", ErrorTag::kCollectionNotFound);
  if (batch.num_rows == 0) return InvalidArgument("no rows to insert");
  RETURN_IF_ERROR(CheckRouting(partition_id));
  ASSIGN_OR_RETURN(RowBatch rows, PrepareBatch(std::move(batch)));
  uint64_t ts = clock_->Now();
  auto chunk = std::make_shared<Chunk>();
  chunk->timestamps.assign(rows.num_rows, ts);
  chunk->rows = std::move(rows);
  // Split before the WAL write so the apply step (under the WAL's apply lock) only appends.
  auto parts = PlaceRows(partition_id, chunk);

  WalRecord record{WalRecordType::kInsert, ts, partition_id, EncodeRowBatch(chunk->rows)};
  auto lsn = wal_->Append(std::move(record), [&](uint64_t, const WalRecord&) {
    std::lock_guard lock(mu_);
    if (dropped_partitions_.count(partition_id)) return;
    for (const auto& [partition, part] : parts) GrowingFor(partition)->Append(part);
  });
  if (!lsn.ok()) return lsn.status().WithContext("write-ahead log");
  return InsertResult{*chunk->rows.FindColumn(schema_.PrimaryField().field_id), ts};
}

Result<FlushResult> Collection::Flush() {
  std::lock_guard flush_lock(flush_mu_);
  uint64_t covered = 0;
  std::vector<std::shared_ptr<Segment>> to_seal;
  std::vector<DeleteBatch> deletes;
  wal_->RunExclusive([&](uint64_t last_applied_lsn) {
    std::lock_guard lock(mu_);
    covered = last_applied_lsn;
    for (auto& [partition, seg] : growing_)
      if (seg->num_rows() > 0) sealing_.push_back(seg);
    growing_.clear();
    to_seal = sealing_;
    for (auto& d : pending_deletes_) flushing_deletes_.push_back(std::move(d));
    pending_deletes_.clear();
    deletes = flushing_deletes_;
  });

  // Write every frozen segment (including ones a failed flush left behind), then commit them
  // all with the WAL position in one manifest.
  std::vector<std::pair<SegmentMeta, std::shared_ptr<const Chunk>>> written;
  for (const auto& seg : to_seal) {
    auto chunk = std::make_shared<const Chunk>(MergeChunks(seg->Chunks()));
    SegmentLocation where{root_, id_, seg->partition_id(), seg->id()};
    ASSIGN_OR_RETURN(SegmentMeta meta, WriteSealedSegment(store_, where, schema_, *chunk,
                                                          static_cast<int64_t>(clock_->Now())));
    written.emplace_back(std::move(meta), std::move(chunk));
  }
  ASSIGN_OR_RETURN(std::vector<DeltaLogMeta> delta_logs, WriteDeltaLogs(deletes));
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) -> Status {
    CollectionMeta* c = m.FindCollection(id_);
    if (c == nullptr)
      return Status(StatusCode::kNotFound, "collection was dropped", ErrorTag::kCollectionNotFound);
    // A partition dropped during the flush takes its rows and scoped deletes with it.
    for (const auto& [meta, chunk] : written)
      if (c->FindPartition(meta.partition_id)) c->segments.push_back(meta);
    for (const auto& log : delta_logs)
      if (log.partition_id == kAllPartitions || c->FindPartition(log.partition_id))
        c->delta_logs.push_back(log);
    c->wal_covered_lsn = std::max(c->wal_covered_lsn, covered);
    return Status::Ok();
  }));

  FlushResult result;
  {
    std::lock_guard lock(mu_);
    for (const auto& [meta, chunk] : written) {
      if (dropped_partitions_.count(meta.partition_id)) continue;
      sealed_info_[meta.segment_id] = {meta.partition_id, meta.num_rows};
      if (loaded_ && PartitionVisible(meta.partition_id)) {
        SnapshotChunk sc;
        sc.segment_id = meta.segment_id;
        sc.partition_id = meta.partition_id;
        sc.chunk = chunk;
        sealed_[meta.segment_id] = std::move(sc);
      }
    }
    sealing_.clear();
    flushing_deletes_.clear();
    for (const auto& [id, info] : sealed_info_) result.sealed_segment_ids.push_back(id);
  }
  result.flush_ts = clock_->Now();
  Status truncated = wal_->TruncateThrough(covered);
  if (!truncated.ok())  // The catalog already says these are covered; recovery skips them.
    spdlog::warn("collection {}: WAL truncation failed (will retry on the next flush): {}", name(),
                 truncated.ToString());
  return result;
}

Result<std::shared_ptr<const Chunk>> Collection::SealedChunk(const SegmentMeta& meta) const {
  {
    std::lock_guard lock(mu_);
    auto it = sealed_.find(meta.segment_id);
    if (it != sealed_.end()) return it->second.chunk;
  }
  ASSIGN_OR_RETURN(Chunk chunk, ReadSealedSegment(store_, meta, schema_));
  return std::make_shared<const Chunk>(std::move(chunk));
}

void Collection::AttachIndex(int64_t segment_id, int64_t index_id,
                             std::shared_ptr<const VectorIndex> index) {
  std::lock_guard lock(mu_);
  auto it = sealed_.find(segment_id);
  if (it != sealed_.end()) it->second.indexes[index_id] = std::move(index);
}

void Collection::DetachIndex(int64_t index_id) {
  std::lock_guard lock(mu_);
  for (auto& [id, sc] : sealed_) sc.indexes.erase(index_id);
}

std::vector<uint8_t> Collection::VisibleMask(int64_t partition_id,
                                             std::shared_ptr<const Chunk> chunk) const {
  SnapshotChunk sc;
  sc.partition_id = partition_id;
  sc.chunk = std::move(chunk);
  sc.deletes = deletes_;
  sc.expire_before = ExpireBefore();
  {
    std::lock_guard lock(mu_);
    sc.delete_seq = delete_seq_;
  }
  // No filter plan: FilterChunk cannot fail.
  return *FilterChunk(nullptr, sc, schema_.PrimaryField().field_id);
}

std::shared_ptr<const Chunk> Collection::WithoutDeletedRows(
    int64_t partition_id, std::shared_ptr<const Chunk> chunk) const {
  std::vector<uint8_t> mask = VisibleMask(partition_id, chunk);
  std::vector<int64_t> kept;
  kept.reserve(mask.size());
  for (size_t r = 0; r < mask.size(); ++r)
    if (mask[r]) kept.push_back(static_cast<int64_t>(r));
  if (kept.size() == mask.size()) return chunk;
  auto out = std::make_shared<Chunk>();
  out->rows = chunk->rows.Take(kept);
  out->timestamps.reserve(kept.size());
  for (int64_t r : kept) out->timestamps.push_back(chunk->timestamps[r]);
  return out;
}

std::optional<int64_t> Collection::DeletedRowsInMemory(int64_t segment_id) const {
  SnapshotChunk sc;
  {
    std::lock_guard lock(mu_);
    auto it = sealed_.find(segment_id);
    if (it == sealed_.end()) return std::nullopt;
    sc = it->second;
  }
  std::vector<uint8_t> mask = VisibleMask(sc.partition_id, sc.chunk);
  return static_cast<int64_t>(std::count(mask.begin(), mask.end(), 0));
}

void Collection::ReplaceSegments(const std::vector<int64_t>& sources, const SegmentMeta* target,
                                 std::shared_ptr<const Chunk> chunk,
                                 std::map<int64_t, std::shared_ptr<const VectorIndex>> indexes) {
  std::lock_guard lock(mu_);
  for (int64_t id : sources) {
    sealed_info_.erase(id);
    sealed_.erase(id);
  }
  if (target == nullptr || dropped_partitions_.count(target->partition_id)) return;
  sealed_info_[target->segment_id] = {target->partition_id, target->num_rows};
  if (loaded_ && PartitionVisible(target->partition_id)) {
    SnapshotChunk sc;
    sc.segment_id = target->segment_id;
    sc.partition_id = target->partition_id;
    sc.chunk = std::move(chunk);
    sc.indexes = std::move(indexes);
    sealed_[target->segment_id] = std::move(sc);
  }
}

Status Collection::Load(const CollectionMeta& meta, const std::vector<int64_t>& partitions) {
  std::optional<std::set<int64_t>> wanted;
  if (!partitions.empty()) wanted.emplace(partitions.begin(), partitions.end());
  auto want = [&](int64_t partition_id) { return !wanted || wanted->count(partition_id) > 0; };
  std::map<int64_t, SnapshotChunk> loaded;
  {
    std::lock_guard lock(mu_);
    loaded = sealed_;
  }
  CollectionMeta current = meta;
  std::unique_lock lock(mu_, std::defer_lock);
  for (;;) {
    RETURN_IF_ERROR(ReadSegments(current, want, &loaded));
    lock.lock();
    // A flush that finished while this collection was still released did not add its segment
    // to sealed_; if its manifest commit came after `current` was taken, read it too (from a
    // fresh catalog snapshot). The lock is held from this check until loaded_ is set, so every
    // later flush sees loaded_ and adds its own segment.
    bool missed = std::any_of(sealed_info_.begin(), sealed_info_.end(), [&](const auto& entry) {
      return want(entry.second.partition_id) && !loaded.count(entry.first) &&
             !sealed_.count(entry.first);
    });
    if (!missed) break;
    lock.unlock();
    Manifest manifest = catalog_->Snapshot();
    const CollectionMeta* fresh = manifest.FindCollection(id_);
    if (fresh == nullptr)
      return Status(StatusCode::kNotFound, "collection was dropped", ErrorTag::kCollectionNotFound);
    current = *fresh;
  }
  // Segments sealed while we were reading are already in sealed_; keep them too, and keep
  // indexes the builder attached meanwhile.
  for (auto& [id, sc] : loaded) {
    auto [it, inserted] = sealed_.try_emplace(id, sc);
    if (!inserted)
      for (auto& [index_id, index] : sc.indexes) it->second.indexes.try_emplace(index_id, index);
  }
  // Drop what is not wanted, and segments a compaction replaced while we were reading.
  std::erase_if(sealed_, [&](const auto& entry) {
    return !want(entry.second.partition_id) || !sealed_info_.count(entry.first);
  });
  loaded_ = true;
  loaded_partitions_ = std::move(wanted);
  return Status::Ok();
}

Status Collection::ReadSegments(const CollectionMeta& meta,
                                const std::function<bool(int64_t)>& want,
                                std::map<int64_t, SnapshotChunk>* loaded) const {
  for (const auto& seg : meta.segments) {
    if (!want(seg.partition_id)) continue;
    Status st = ReadSegment(meta, seg, &(*loaded)[seg.segment_id]);
    if (st.ok()) continue;
    // A compaction may have replaced the segment (and deleted its objects) since `meta` was
    // taken; then its rows are in the segment that replaced it, which Load reads next.
    std::shared_ptr<const Manifest> now = catalog_->Current();
    const CollectionMeta* current = now->FindCollection(id_);
    if (current != nullptr && current->FindSegment(seg.segment_id) != nullptr) return st;
    loaded->erase(seg.segment_id);
  }
  return Status::Ok();
}

Status Collection::ReadSegment(const CollectionMeta& meta, const SegmentMeta& seg,
                               SnapshotChunk* sc) const {
  if (!sc->chunk) {
    ASSIGN_OR_RETURN(Chunk chunk, ReadSealedSegment(store_, seg, schema_));
    sc->segment_id = seg.segment_id;
    sc->partition_id = seg.partition_id;
    sc->chunk = std::make_shared<const Chunk>(std::move(chunk));
  }
  // Built indexes are loaded, never rebuilt; one that is missing or corrupt is data loss.
  for (const auto& file : seg.index_files) {
    bool live = std::any_of(meta.indexes.begin(), meta.indexes.end(),
                            [&](const IndexMeta& i) { return i.index_id == file.index_id; });
    if (sc->indexes.count(file.index_id) || !live) continue;
    auto bytes = store_->Get(file.key);
    if (!bytes.ok())
      return bytes.status().code() == StatusCode::kNotFound
                 ? DataLoss(
                       fmt::format("index file '{}' named by the catalog is missing", file.key))
                 : bytes.status();
    ASSIGN_OR_RETURN(auto index, LoadVectorIndex(*bytes, file.key));
    sc->indexes[file.index_id] = std::move(index);
  }
  return Status::Ok();
}

void Collection::Release() {
  std::lock_guard lock(mu_);
  loaded_ = false;
  loaded_partitions_.reset();
  sealed_.clear();
}

bool Collection::PartitionVisible(int64_t partition_id) const {
  return !loaded_partitions_ || loaded_partitions_->count(partition_id) > 0;
}

bool Collection::loaded() const {
  std::lock_guard lock(mu_);
  return loaded_;
}

int64_t Collection::RowCount(std::optional<int64_t> partition_id) const {
  std::lock_guard lock(mu_);
  auto counted = [&](int64_t p) { return !partition_id || *partition_id == p; };
  int64_t rows = 0;
  for (const auto& [id, info] : sealed_info_)
    if (counted(info.partition_id)) rows += info.num_rows;
  for (const auto& seg : sealing_)
    if (counted(seg->partition_id())) rows += seg->num_rows();
  for (const auto& [partition, seg] : growing_)
    if (counted(partition)) rows += seg->num_rows();
  return rows;
}

std::vector<int64_t> Collection::SealedSegmentIds() const {
  std::lock_guard lock(mu_);
  std::vector<int64_t> ids;
  for (const auto& [id, info] : sealed_info_) ids.push_back(id);
  return ids;
}

bool Collection::AnyUnsealed(const std::vector<int64_t>& segment_ids) const {
  std::lock_guard lock(mu_);
  for (int64_t id : segment_ids) {
    for (const auto& seg : sealing_)
      if (seg->id() == id) return true;
    for (const auto& [partition, seg] : growing_)
      if (seg->id() == id) return true;
  }
  return false;
}

Result<Snapshot> Collection::TakeSnapshot() const {
  std::lock_guard lock(mu_);
  if (!loaded_)
    return Status(StatusCode::kFailedPrecondition,
                  fmt::format("collection '{}' is not loaded", name_),
                  ErrorTag::kCollectionNotLoaded);
  Snapshot snap;
  const uint64_t expire_before = ExpireBefore();
  for (const auto& [id, sc] : sealed_) {
    snap.push_back(sc);
    snap.back().deletes = deletes_;
    snap.back().delete_seq = delete_seq_;
    snap.back().expire_before = expire_before;
  }
  auto add = [&](const Segment& seg) {
    if (!PartitionVisible(seg.partition_id())) return;
    for (auto& chunk : seg.Chunks()) {
      SnapshotChunk sc;
      sc.segment_id = seg.id();
      sc.partition_id = seg.partition_id();
      sc.chunk = chunk;
      sc.deletes = deletes_;
      sc.delete_seq = delete_seq_;
      sc.expire_before = expire_before;
      snap.push_back(std::move(sc));
    }
  };
  for (const auto& seg : sealing_) add(*seg);
  for (const auto& [partition, seg] : growing_) add(*seg);
  return snap;
}

Status Collection::DeleteObjects() {
  for (const char* kind : {"wal", "insert_log", "stats_log", "delta_log"}) {
    ASSIGN_OR_RETURN(auto objects, store_->List(fmt::format("{}{}/{}/", root_, kind, id_)));
    std::vector<std::string> keys;
    for (auto& o : objects) keys.push_back(std::move(o.key));
    RETURN_IF_ERROR(store_->DeleteMany(keys));
  }
  return Status::Ok();
}

}  // namespace strata
