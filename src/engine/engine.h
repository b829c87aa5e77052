// Engine: all collections at run time — DDL through the catalog, the write path through each
// collection's WAL, flush into sealed segments, load/release, search and query.
// Thread-safe. Errors carry ErrorTags so the API can give clients Milvus's codes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "common/thread_pool.h"
#include "engine/auto_flush.h"
#include "engine/background.h"
#include "engine/types.h"
#include "objstore/object_store.h"

namespace strata {

class Collection;

struct EngineOptions {
  ObjectStore* store = nullptr;  // not owned; must outlive the engine
  std::string root;              // key prefix: "" or ending in '/'
  size_t threads = 0;            // search pool size; 0 = hardware threads
  AutoFlushOptions auto_flush;   // when growing data is sealed without a client Flush
  BackgroundOptions background;  // compaction of sealed segments, garbage collection
};

class Engine {
 public:
  // Opens the catalog, replays every collection's WAL after its covered position, and loads
  // the collections that were loaded before.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();

  HybridClock& clock() { return clock_; }

  // With a partition key field the collection gets `num_partitions` (0 = 16) partitions
  // `_default_0` ... instead of `_default` (engine/partition_key.h); without one,
  // num_partitions must be 0.
  // NotFound tagged kDatabaseNotFound when `database` does not exist.
  Status CreateCollection(CollectionSchema schema, KeyValues properties, int32_t consistency_level,
                          int32_t shards_num, int64_t num_partitions = 0,
                          const std::string& database = std::string(kDefaultDatabase));
  Status DropCollection(const CollectionName& name);
  // Sets `properties` (adding keys or replacing their values), then removes `delete_keys`, in
  // one catalog commit. `collection.ttl.seconds` (kTtlProperty) takes effect at once: rows
  // older than that are no longer read, and compaction drops them.
  Status AlterCollection(const CollectionName& name, const KeyValues& properties,
                         const std::vector<std::string>& delete_keys);
  // Renames collection `from` (not an alias) to `to`, possibly in another database, in one
  // catalog commit. Its aliases follow it within its database; a collection with aliases does
  // not move to another database, and `to` must be free among names and aliases there.
  Status RenameCollection(const CollectionName& from, const CollectionName& to);
  Result<CollectionMeta> DescribeCollection(const CollectionName& name);
  // The same without a copy (the catalog's current manifest stays alive while it is held):
  // what per-request paths (insert, search, query) use.
  Result<std::shared_ptr<const CollectionMeta>> Meta(const CollectionName& name);
  // The collections of `database`.
  Result<std::vector<CollectionMeta>> ListCollections(
      const std::string& database = std::string(kDefaultDatabase));
  Result<int64_t> RowCount(const CollectionName& name);

  Status CreateIndex(const CollectionName& collection, const std::string& field_name,
                     const std::string& index_name, const KeyValues& params);
  // field_name / index_name may be empty (= any).
  Result<std::vector<IndexInfo>> DescribeIndex(const CollectionName& collection,
                                               const std::string& field_name,
                                               const std::string& index_name);
  Status DropIndex(const CollectionName& collection, const std::string& field_name,
                   const std::string& index_name);

  // Load / Release the whole collection (every partition, including ones created later).
  Status Load(const CollectionName& name);
  Status Release(const CollectionName& name);
  // True when any partition is loaded, or (when `partitions` is not empty) all of those are.
  Result<bool> IsLoaded(const CollectionName& name,
                        const std::vector<std::string>& partitions = {});

  // Databases (engine/databases.cc): namespaces of collections and aliases, as in Milvus.
  // `default` always exists and cannot be dropped; a database unknown to a call is NotFound
  // tagged kDatabaseNotFound. Names follow Milvus's rules (kInvalidDatabaseName otherwise).
  // Properties are kept and reported, not acted on.
  Status CreateDatabase(const std::string& name, KeyValues properties);
  // Dropping one that does not exist succeeds; one that still has collections is refused.
  Status DropDatabase(const std::string& name);
  // `default` first, then the others by creation.
  std::vector<DatabaseMeta> ListDatabases();
  Result<DatabaseMeta> DescribeDatabase(const std::string& name);
  // Sets `properties` (adding keys or replacing their values), then removes `delete_keys`.
  Status AlterDatabase(const std::string& name, const KeyValues& properties,
                       const std::vector<std::string>& delete_keys);
  // OK when `name` exists.
  Status CheckDatabase(const std::string& name);

  // Aliases (engine/aliases.cc): other names of a collection, which every call taking a
  // collection name accepts (DropCollection excepted, as in Milvus). Names are unique among
  // collections and aliases together: a clash is AlreadyExists tagged kAliasNameConflict, an
  // alias of another collection kAliasExists, an unknown alias NotFound tagged kAliasNotFound.
  // Aliases belong to the database of their collection.
  Status CreateAlias(const CollectionName& collection, const std::string& alias);
  // Dropping an alias that does not exist succeeds.
  Status DropAlias(const CollectionName& alias);
  // Points an existing alias at `collection`.
  Status AlterAlias(const CollectionName& collection, const std::string& alias);
  // The name of the collection `alias` stands for.
  Result<std::string> DescribeAlias(const CollectionName& alias);
  // The aliases of `collection`, or of every collection of its database when its name is
  // empty; sorted.
  Result<std::vector<std::string>> ListAliases(const CollectionName& collection);

  // Partitions (engine/partitions.cc). Unknown partitions are NotFound tagged
  // kPartitionNotFound. Creating an existing partition or dropping a missing one succeeds, as
  // in Milvus. `_default` cannot be dropped; a loaded partition must be released first.
  // In partition key mode creating, dropping, loading or releasing partitions is
  // InvalidArgument, as are partition names given to Insert, Upsert, Delete, Search and Query.
  Status CreatePartition(const CollectionName& collection, const std::string& partition);
  Status DropPartition(const CollectionName& collection, const std::string& partition);
  Result<std::vector<PartitionInfo>> ShowPartitions(const CollectionName& collection);
  // Adds the partitions to the loaded set (a LoadCollection already loaded them all).
  Status LoadPartitions(const CollectionName& collection,
                        const std::vector<std::string>& partitions);
  // Removes them from the loaded set; releasing the last one releases the collection.
  Status ReleasePartitions(const CollectionName& collection,
                           const std::vector<std::string>& partitions);
  Result<int64_t> PartitionRowCount(const CollectionName& collection, const std::string& partition);

  // Validates the whole batch first; a rejected batch writes nothing.
  Result<InsertResult> Insert(const CollectionName& collection, const std::string& partition,
                              RowBatch batch);
  // Deletes by primary keys or by filter (engine/delete.cc): written to the WAL and applied
  // before it returns. Filters other than primary-key lookups need the collection loaded.
  Result<DeleteResult> Delete(const DeleteRequest& request);
  // Insert-or-replace by primary key, atomically (see Collection::Upsert).
  Result<InsertResult> Upsert(const CollectionName& collection, const std::string& partition,
                              RowBatch batch);
  Result<FlushResult> Flush(const CollectionName& collection);
  // True when every listed segment is sealed (or no longer exists).
  Result<bool> IsFlushed(const CollectionName& collection, const std::vector<int64_t>& segment_ids);

  Result<SearchResult> Search(const SearchRequest& request);
  // Every search of the request over one snapshot, merged per query by its ranker; scores are
  // the fused scores (engine/rerank.h).
  Result<SearchResult> HybridSearch(const HybridSearchRequest& request);
  Result<QueryResult> Query(const QueryRequest& request);

  // ManualCompaction: queues a compaction of the collection (by id; NotFound tagged
  // kCollectionNotFound when there is none) and returns the job's id and planned merges.
  Result<CompactionRequest> Compact(int64_t collection_id);
  // The job, or nullopt when this server has no record of it (e.g. from before a restart).
  std::optional<CompactionJob> CompactionState(int64_t job_id) const;

  // Blocks until background index builds and compactions are done (tests and tools).
  void WaitForIndexBuilds();
  // Garbage collection of the bucket since start-up (engine/garbage.h).
  GarbageTotals Garbage() const;

 private:
  explicit Engine(const EngineOptions& options);
  // By name or alias.
  Result<std::shared_ptr<Collection>> Find(const CollectionName& name);
  // Meta() of a collection already found (by `name`, for the error), without finding it again.
  Result<std::shared_ptr<const CollectionMeta>> MetaOf(const Collection& collection,
                                                       const CollectionName& name);
  // (database, name): how collections and aliases are keyed.
  using NameKey = std::pair<std::string, std::string>;
  static NameKey KeyOf(const CollectionName& name) { return {name.database, name.name}; }
  // Commits `next` (alias -> collection name) as every collection's aliases, in one catalog
  // commit, then adopts it. Requires mu_.
  Status CommitAliasesLocked(std::map<NameKey, std::string> next);
  // The database named in `manifest`, or nullopt; `default` is found even when not stored.
  static std::optional<DatabaseMeta> FindDatabase(const Manifest& manifest,
                                                  const std::string& name);
  // Insert (upsert false) or Upsert into the collection, counted for automatic sealing.
  Result<InsertResult> WriteRows(const CollectionName& collection, const std::string& partition,
                                 RowBatch batch, bool upsert);
  std::shared_ptr<Collection> FindById(int64_t collection_id);
  // Seals the collection's growing data (AutoFlusher's flush).
  Status AutoFlush(int64_t collection_id);
  // Every flush, counted in flushes_ while it runs.
  Result<FlushResult> FlushCollection(Collection& collection);
  Status Recover();
  // The partition's id; NotFound tagged kPartitionNotFound when the collection has none so named.
  Result<int64_t> PartitionId(const CollectionMeta& meta, const std::string& partition);
  // The partition id rows of a write naming `partition` go to: kRoutedByKey in partition key
  // mode (where naming one is InvalidArgument), else the named one or `_default`.
  Result<int64_t> WritePartition(const Collection& collection, const CollectionMeta& meta,
                                 const std::string& partition);

  EngineOptions options_;
  HybridClock clock_;
  ThreadPool pool_;
  std::unique_ptr<Catalog> catalog_;
  PendingWrites flushes_;  // outlives background_, whose garbage collection reads it
  std::mutex load_mu_;     // serializes load state and partition changes; taken before mu_
  std::mutex mu_;          // guards collections_ and aliases_; serializes DDL
  std::map<NameKey, std::shared_ptr<Collection>> collections_;
  std::map<NameKey, std::string> aliases_;  // alias -> its collection's name (same database)
  std::unique_ptr<BackgroundWorker> background_;
  std::unique_ptr<AutoFlusher> auto_flusher_;  // stopped first: it schedules background passes
};

}  // namespace strata
