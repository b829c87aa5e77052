#include "engine/engine.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "engine/collection.h"
#include "engine/partition_key.h"

namespace strata {
namespace {

Status CollectionNotFound(const CollectionName& name) {
  return Status(
      StatusCode::kNotFound,
      fmt::format("collection not found[database={}][collection={}]", name.database, name.name),
      ErrorTag::kCollectionNotFound);
}

std::string ParamValue(const KeyValues& params, std::string_view key) {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return "";
}

// Bad build parameters (M out of range, m not dividing dim, ...) are the client's error, so
// they are found now by building on one row, not later in the background.
Status ValidateIndexParams(const FieldSchema& field, const KeyValues& params) {
  IndexMeta probe;
  probe.params = params;
  ASSIGN_OR_RETURN(IndexSpec spec, IndexSpecFromMeta(probe, field.type));
  std::vector<float> one_float(field.dim, 1.0f);
  std::vector<uint8_t> one_binary(field.dim / 8, 0x5a);
  VectorData data;
  data.n = 1;
  data.dim = field.dim;
  if (field.type == DataType::kBinaryVector)
    data.binary_data = one_binary.data();
  else
    data.float_data = one_float.data();
  auto built = BuildVectorIndex(spec, data, nullptr);
  if (!built.ok()) return InvalidArgument(std::string(built.status().message()));
  return Status::Ok();
}

}  // namespace

Engine::Engine(const EngineOptions& options) : options_(options), pool_(options.threads) {}

Engine::~Engine() {
  auto_flusher_.reset();
  background_.reset();
}

void Engine::WaitForIndexBuilds() { background_->WaitIdle(); }

GarbageTotals Engine::Garbage() const { return background_->Garbage(); }

Result<CompactionRequest> Engine::Compact(int64_t collection_id) {
  if (FindById(collection_id) == nullptr)
    return Status(StatusCode::kNotFound, fmt::format("collection {} not found", collection_id),
                  ErrorTag::kCollectionNotFound);
  return background_->RequestCompaction(collection_id);
}

std::optional<CompactionJob> Engine::CompactionState(int64_t job_id) const {
  return background_->Compaction(job_id);
}

Result<std::unique_ptr<Engine>> Engine::Open(const EngineOptions& options) {
  std::unique_ptr<Engine> engine(new Engine(options));
  ASSIGN_OR_RETURN(engine->catalog_, Catalog::Open(options.store, options.root));
  RETURN_IF_ERROR(engine->Recover());
  Engine* raw = engine.get();
  SegmentWorkContext ctx{options.store,   options.root,   engine->catalog_.get(),
                         &engine->clock_, &engine->pool_, &engine->flushes_};
  engine->background_ = std::make_unique<BackgroundWorker>(
      ctx, options.background, [raw](int64_t id) { return raw->FindById(id); });
  engine->auto_flusher_ = std::make_unique<AutoFlusher>(
      options.auto_flush, [raw](int64_t id) { return raw->AutoFlush(id); });
  for (const auto& meta : engine->catalog_->Snapshot().collections)
    engine->background_->Schedule(meta.collection_id);
  return engine;
}

Status Engine::Recover() {
  Manifest manifest = catalog_->Snapshot();
  for (const auto& meta : manifest.collections) {
    clock_.Observe(meta.create_ts);
    auto collection =
        std::make_shared<Collection>(options_.store, options_.root, catalog_.get(), &clock_, meta);
    RETURN_IF_ERROR(
        collection->Recover(meta).WithContext("recovering collection " + meta.schema.name));
    if (meta.loaded) RETURN_IF_ERROR(collection->Load(meta, meta.loaded_partitions));
    collections_[{meta.database, meta.schema.name}] = std::move(collection);
    for (const std::string& alias : meta.aliases)
      aliases_[{meta.database, alias}] = meta.schema.name;
  }
  spdlog::info("catalog version {}: {} collections recovered from {}", manifest.version,
               collections_.size(), options_.store->Describe());
  return Status::Ok();
}

Result<std::shared_ptr<Collection>> Engine::Find(const CollectionName& name) {
  {
    std::lock_guard lock(mu_);
    auto it = collections_.find(KeyOf(name));
    if (it == collections_.end()) {
      auto alias = aliases_.find(KeyOf(name));
      if (alias != aliases_.end()) it = collections_.find({name.database, alias->second});
    }
    if (it != collections_.end()) return it->second;
  }
  RETURN_IF_ERROR(CheckDatabase(name.database));
  return CollectionNotFound(name);
}

Status Engine::CreateCollection(CollectionSchema schema, KeyValues properties,
                                int32_t consistency_level, int32_t shards_num,
                                int64_t num_partitions, const std::string& database) {
  RETURN_IF_ERROR(ValidateSchema(schema));
  RETURN_IF_ERROR(TtlSeconds(properties).status());
  ASSIGN_OR_RETURN(int64_t key_partitions, KeyPartitionCount(schema, num_partitions));
  std::lock_guard lock(mu_);  // Serializes DDL so name checks and commits agree.
  if (!FindDatabase(*catalog_->Current(), database))
    return Status(StatusCode::kNotFound, fmt::format("database not found[database={}]", database),
                  ErrorTag::kDatabaseNotFound);
  const NameKey key{database, schema.name};
  if (collections_.count(key))
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("collection '{}' already exists", schema.name),
                  ErrorTag::kCollectionExists);
  if (aliases_.count(key))
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("collection name '{}' conflicts with an existing alias of "
                              "collection '{}'",
                              schema.name, aliases_.at(key)),
                  ErrorTag::kAliasNameConflict);
  CollectionMeta meta;
  meta.database = database;
  meta.create_ts = clock_.Now();
  meta.collection_id = static_cast<int64_t>(meta.create_ts);
  meta.schema = std::move(schema);
  meta.properties = std::move(properties);
  meta.consistency_level = consistency_level;
  meta.shards_num = shards_num <= 0 ? 1 : shards_num;
  if (key_partitions == 0)
    meta.partitions.push_back({static_cast<int64_t>(clock_.Now()), "_default", meta.create_ts});
  for (int64_t i = 0; i < key_partitions; ++i)
    meta.partitions.push_back(
        {static_cast<int64_t>(clock_.Now()), KeyPartitionName(i), meta.create_ts});
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
    m.collections.push_back(meta);
    return Status::Ok();
  }));
  auto collection =
      std::make_shared<Collection>(options_.store, options_.root, catalog_.get(), &clock_, meta);
  RETURN_IF_ERROR(collection->Recover(meta));
  collections_[key] = std::move(collection);
  return Status::Ok();
}

Status Engine::DropCollection(const CollectionName& name) {
  RETURN_IF_ERROR(CheckDatabase(name.database));
  std::shared_ptr<Collection> collection;
  std::vector<std::string> index_keys;
  {
    std::lock_guard lock(mu_);
    auto it = collections_.find(KeyOf(name));
    if (it == collections_.end() && aliases_.count(KeyOf(name)))
      return InvalidArgument(fmt::format(
          "cannot drop the collection via its alias '{}': use the collection's name", name.name));
    if (it == collections_.end()) return CollectionNotFound(name);
    for (const auto& [alias, target] : aliases_)
      if (alias.first == name.database && target == name.name)
        return Status(StatusCode::kFailedPrecondition,
                      fmt::format("collection '{}' still has alias '{}': drop or alter its "
                                  "aliases before dropping the collection",
                                  name.name, alias.second));
    collection = it->second;
    int64_t id = collection->id();
    auto_flusher_->Forget(id);
    RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
      if (const CollectionMeta* c = m.FindCollection(id))
        for (const auto& seg : c->segments)
          for (const auto& f : seg.index_files) index_keys.push_back(f.key);
      std::erase_if(m.collections, [&](const CollectionMeta& c) { return c.collection_id == id; });
      return Status::Ok();
    }));
    collection->MarkDropped();
    collections_.erase(it);
  }
  // The catalog no longer names these objects; a failure here leaves garbage, not damage.
  Status st = collection->DeleteObjects();
  if (st.ok()) st = options_.store->DeleteMany(index_keys);
  if (!st.ok()) spdlog::warn("drop {}: leftover objects: {}", name.name, st.ToString());
  return Status::Ok();
}

Status Engine::AlterCollection(const CollectionName& name, const KeyValues& properties,
                               const std::vector<std::string>& delete_keys) {
  if (properties.empty() && delete_keys.empty())
    return InvalidArgument("no properties to set and no property keys to delete");
  RETURN_IF_ERROR(TtlSeconds(properties).status());
  ASSIGN_OR_RETURN(auto collection, Find(name));
  std::lock_guard lock(mu_);  // DDL
  KeyValues next;
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr) return CollectionNotFound(name);
    UpdateKeyValues(&c->properties, properties, delete_keys);
    next = c->properties;
    return Status::Ok();
  }));
  auto ttl = TtlSeconds(next);  // validated above
  collection->SetTtlSeconds(ttl.ok() ? *ttl : 0);
  return Status::Ok();
}

Status Engine::RenameCollection(const CollectionName& from, const CollectionName& to) {
  if (!IsValidName(to.name))
    return InvalidArgument(fmt::format(
        "invalid collection name '{}': use letters, digits and underscores, starting with a "
        "letter or underscore",
        to.name));
  RETURN_IF_ERROR(CheckDatabase(from.database));
  std::lock_guard lock(mu_);  // DDL: a database is dropped under mu_, so check `to`'s here
  if (!FindDatabase(*catalog_->Current(), to.database))
    return Status(StatusCode::kNotFound,
                  fmt::format("database not found[database={}]", to.database),
                  ErrorTag::kDatabaseNotFound);
  auto it = collections_.find(KeyOf(from));
  if (it == collections_.end() && aliases_.count(KeyOf(from)))
    return InvalidArgument(
        fmt::format("unsupported use an alias to rename collection, alias:{}", from.name));
  if (it == collections_.end()) return CollectionNotFound(from);
  if (KeyOf(from) == KeyOf(to)) return Status::Ok();
  if (collections_.count(KeyOf(to)) || aliases_.count(KeyOf(to)))
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("duplicated new collection name {}:{} with other collection name "
                              "or alias",
                              to.database, to.name),
                  ErrorTag::kCollectionExists);
  std::map<NameKey, std::string> aliases = aliases_;
  for (auto& [alias, target] : aliases) {
    if (alias.first != from.database || target != from.name) continue;
    if (to.database != from.database)
      return InvalidArgument(fmt::format(
          "fail to rename collection '{}' to database '{}': it still has alias '{}'; drop its "
          "aliases first",
          from.name, to.database, alias.second));
    target = to.name;
  }
  std::shared_ptr<Collection> collection = it->second;
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr) return CollectionNotFound(from);
    c->schema.name = to.name;
    c->database = to.database;
    return Status::Ok();
  }));
  collections_.erase(it);
  collections_[KeyOf(to)] = collection;
  aliases_ = std::move(aliases);
  collection->Rename(to.name);
  return Status::Ok();
}

Result<CollectionMeta> Engine::DescribeCollection(const CollectionName& name) {
  ASSIGN_OR_RETURN(auto meta, Meta(name));
  return *meta;
}

Result<std::shared_ptr<const CollectionMeta>> Engine::Meta(const CollectionName& name) {
  ASSIGN_OR_RETURN(auto collection, Find(name));
  return MetaOf(*collection, name);
}

Result<std::shared_ptr<const CollectionMeta>> Engine::MetaOf(const Collection& collection,
                                                             const CollectionName& name) {
  std::shared_ptr<const Manifest> m = catalog_->Current();
  const CollectionMeta* meta = m->FindCollection(collection.id());
  if (meta == nullptr) return CollectionNotFound(name);
  return std::shared_ptr<const CollectionMeta>(std::move(m), meta);
}

Result<std::vector<CollectionMeta>> Engine::ListCollections(const std::string& database) {
  RETURN_IF_ERROR(CheckDatabase(database));
  std::vector<CollectionMeta> out;
  for (CollectionMeta& meta : catalog_->Snapshot().collections)
    if (meta.database == database) out.push_back(std::move(meta));
  return out;
}

Result<int64_t> Engine::RowCount(const CollectionName& name) {
  ASSIGN_OR_RETURN(auto collection, Find(name));
  return collection->RowCount();
}

Status Engine::CreateIndex(const CollectionName& collection_name, const std::string& field_name,
                           const std::string& index_name, const KeyValues& params) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  const FieldSchema* field = collection->schema().FindField(field_name);
  if (field == nullptr)
    return InvalidArgument(
        fmt::format("cannot create index on non-existent field: {}", field_name));
  if (!IsVectorType(field->type))
    return InvalidArgument(fmt::format(
        "index on scalar field '{}' is not supported yet; vector fields only", field_name));
  std::string metric = ParamValue(params, "metric_type");
  std::string type = ParamValue(params, "index_type");
  if (type.empty()) return InvalidArgument("index_type is missing");
  // The types Strata builds; others (DISKANN, SCANN, GPU_*) are refused rather than recorded
  // and never built.
  static const std::set<std::string> kFloatTypes = {"FLAT",   "IVF_FLAT", "IVF_SQ8",
                                                    "IVF_PQ", "HNSW",     "AUTOINDEX"};
  static const std::set<std::string> kBinaryTypes = {"BIN_FLAT", "BIN_IVF_FLAT", "AUTOINDEX"};
  const auto& valid = field->type == DataType::kBinaryVector ? kBinaryTypes : kFloatTypes;
  if (!valid.count(type))
    return InvalidArgument(fmt::format("invalid index type: {} for {} field '{}'", type,
                                       DataTypeName(field->type), field_name));
  if (!metric.empty()) {
    static const char* kFloatMetrics[] = {"L2", "IP", "COSINE"};
    static const char* kBinaryMetrics[] = {"HAMMING", "JACCARD"};
    bool ok = false;
    if (field->type == DataType::kFloatVector)
      for (const char* m : kFloatMetrics) ok |= metric == m;
    else
      for (const char* m : kBinaryMetrics) ok |= metric == m;
    if (!ok)
      return InvalidArgument(fmt::format("metric type {} is not valid for {} field '{}'", metric,
                                         DataTypeName(field->type), field_name));
  }
  RETURN_IF_ERROR(ValidateIndexParams(*field, params));
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) -> Status {
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr) return CollectionNotFound(collection_name);
    std::string name = index_name.empty() ? field_name : index_name;
    for (const auto& existing : c->indexes) {
      if (existing.field_id != field->field_id && existing.index_name != name) continue;
      if (existing.field_id == field->field_id && existing.params == params &&
          existing.index_name == name)
        return Status::Ok();  // Milvus: creating the same index again succeeds.
      return InvalidArgument(fmt::format(
          "at most one distinct index is allowed per field: field '{}' already has index '{}'",
          field_name, existing.index_name));
    }
    IndexMeta index;
    index.index_id = static_cast<int64_t>(clock_.Now());
    index.index_name = name;
    index.field_id = field->field_id;
    index.params = params;
    index.create_ts = clock_.Now();
    c->indexes.push_back(std::move(index));
    return Status::Ok();
  }));
  background_->Schedule(collection->id());
  return Status::Ok();
}

Result<std::vector<IndexInfo>> Engine::DescribeIndex(const CollectionName& collection_name,
                                                     const std::string& field_name,
                                                     const std::string& index_name) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  int64_t rows = collection->RowCount();
  std::vector<IndexInfo> out;
  for (const auto& index : meta.indexes) {
    const FieldSchema* field = meta.schema.FindField(index.field_id);
    if (field == nullptr) continue;
    if (!field_name.empty() && field->name != field_name) continue;
    if (!index_name.empty() && index.index_name != index_name) continue;
    IndexInfo info;
    info.meta = index;
    info.field_name = field->name;
    info.total_rows = rows;
    // Growing rows are searched exactly and count as neither (as in Milvus).
    for (const auto& seg : meta.segments) {
      bool built =
          std::any_of(seg.index_files.begin(), seg.index_files.end(),
                      [&](const SegmentIndexFile& f) { return f.index_id == index.index_id; });
      (built ? info.indexed_rows : info.pending_index_rows) += seg.num_rows;
    }
    out.push_back(std::move(info));
  }
  if (out.empty())
    return Status(StatusCode::kNotFound, "index not found[collection=" + collection_name.name + "]",
                  ErrorTag::kIndexNotFound);
  return out;
}

Status Engine::DropIndex(const CollectionName& collection_name, const std::string& field_name,
                         const std::string& index_name) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  if (collection->loaded())
    return FailedPrecondition(
        "index cannot be dropped while the collection is loaded; release "
        "it first");
  std::vector<int64_t> dropped;
  std::vector<std::string> keys;
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) -> Status {
    dropped.clear();
    keys.clear();
    CollectionMeta* c = m.FindCollection(collection->id());
    if (c == nullptr) return CollectionNotFound(collection_name);
    std::erase_if(c->indexes, [&](const IndexMeta& index) {
      const FieldSchema* field = c->schema.FindField(index.field_id);
      bool field_ok = field_name.empty() || (field && field->name == field_name);
      bool name_ok = index_name.empty() || index.index_name == index_name;
      if (field_ok && name_ok) dropped.push_back(index.index_id);
      return field_ok && name_ok;
    });
    if (dropped.empty())
      return Status(StatusCode::kNotFound,
                    "index not found[collection=" + collection_name.name + "]",
                    ErrorTag::kIndexNotFound);
    for (auto& seg : c->segments)
      std::erase_if(seg.index_files, [&](const SegmentIndexFile& f) {
        bool gone = std::find(dropped.begin(), dropped.end(), f.index_id) != dropped.end();
        if (gone) keys.push_back(f.key);
        return gone;
      });
    return Status::Ok();
  }));
  for (int64_t id : dropped) collection->DetachIndex(id);
  Status st = options_.store->DeleteMany(keys);  // unnamed by the catalog now: garbage at worst
  if (!st.ok()) spdlog::warn("drop index: leftover index files: {}", st.ToString());
  return Status::Ok();
}

Status Engine::Load(const CollectionName& name) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(name));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(name));
  RETURN_IF_ERROR(collection->Load(meta, {}));
  if (meta.loaded && meta.loaded_partitions.empty()) return Status::Ok();
  return catalog_->Commit([&](Manifest& m) -> Status {
    if (CollectionMeta* c = m.FindCollection(collection->id())) {
      c->loaded = true;
      c->loaded_partitions.clear();
    }
    return Status::Ok();
  });
}

Status Engine::Release(const CollectionName& name) {
  std::lock_guard load_lock(load_mu_);
  ASSIGN_OR_RETURN(auto collection, Find(name));
  collection->Release();
  return catalog_->Commit([&](Manifest& m) -> Status {
    if (CollectionMeta* c = m.FindCollection(collection->id())) {
      c->loaded = false;
      c->loaded_partitions.clear();
    }
    return Status::Ok();
  });
}

Result<bool> Engine::IsLoaded(const CollectionName& name,
                              const std::vector<std::string>& partitions) {
  ASSIGN_OR_RETURN(auto collection, Find(name));
  if (partitions.empty()) return collection->loaded();
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(name));
  bool all = true;
  for (const auto& partition : partitions) {
    ASSIGN_OR_RETURN(int64_t id, PartitionId(meta, partition));
    all = all && meta.PartitionLoaded(id);
  }
  return all;
}

Result<InsertResult> Engine::Insert(const CollectionName& collection_name,
                                    const std::string& partition, RowBatch batch) {
  return WriteRows(collection_name, partition, std::move(batch), /*upsert=*/false);
}

Result<InsertResult> Engine::WriteRows(const CollectionName& collection_name,
                                       const std::string& partition, RowBatch batch, bool upsert) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(collection_name));
  ASSIGN_OR_RETURN(int64_t partition_id, WritePartition(*collection, meta, partition));
  int64_t bytes = ApproxBatchBytes(batch);
  ASSIGN_OR_RETURN(InsertResult result, upsert
                                            ? collection->Upsert(partition_id, std::move(batch))
                                            : collection->Insert(partition_id, std::move(batch)));
  auto_flusher_->Wrote(collection->id(), bytes);
  return result;
}

Result<FlushResult> Engine::Flush(const CollectionName& collection_name) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  auto_flusher_->Flushed(collection->id());
  ASSIGN_OR_RETURN(FlushResult result, FlushCollection(*collection));
  background_->Schedule(collection->id());
  return result;
}

Result<FlushResult> Engine::FlushCollection(Collection& collection) {
  PendingWrites::Scope pending(&flushes_);
  return collection.Flush();
}

std::shared_ptr<Collection> Engine::FindById(int64_t collection_id) {
  std::lock_guard lock(mu_);
  for (const auto& [name, c] : collections_)
    if (c->id() == collection_id) return c;
  return nullptr;
}

Status Engine::AutoFlush(int64_t collection_id) {
  std::shared_ptr<Collection> collection = FindById(collection_id);
  if (collection == nullptr) return Status::Ok();  // dropped meanwhile
  RETURN_IF_ERROR(FlushCollection(*collection).status());
  spdlog::info("collection {}: growing data sealed automatically", collection->name());
  background_->Schedule(collection_id);
  return Status::Ok();
}

Result<bool> Engine::IsFlushed(const CollectionName& collection_name,
                               const std::vector<int64_t>& segment_ids) {
  ASSIGN_OR_RETURN(auto collection, Find(collection_name));
  // A segment is unflushed only while it is growing or being sealed; ids Flush returned are
  // sealed, and ids we don't know (dropped with their collection) have nothing left to flush.
  return !collection->AnyUnsealed(segment_ids);
}

}  // namespace strata
