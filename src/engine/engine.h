// Engine: all collections at run time — DDL through the catalog, the write path through each
// collection's WAL, flush into sealed segments, load/release, search and query.
// Thread-safe. Errors carry ErrorTags so the API can give clients Milvus's codes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "common/thread_pool.h"
#include "engine/types.h"
#include "objstore/object_store.h"

namespace strata {

class Collection;
class IndexBuilder;

struct EngineOptions {
  ObjectStore* store = nullptr;  // not owned; must outlive the engine
  std::string root;              // key prefix: "" or ending in '/'
  size_t threads = 0;            // search pool size; 0 = hardware threads
};

class Engine {
 public:
  // Opens the catalog, replays every collection's WAL after its covered position, and loads
  // the collections that were loaded before.
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();

  HybridClock& clock() { return clock_; }

  Status CreateCollection(CollectionSchema schema, KeyValues properties, int32_t consistency_level,
                          int32_t shards_num);
  Status DropCollection(const std::string& name);
  Result<CollectionMeta> DescribeCollection(const std::string& name);
  std::vector<CollectionMeta> ListCollections();
  Result<int64_t> RowCount(const std::string& name);

  Status CreateIndex(const std::string& collection, const std::string& field_name,
                     const std::string& index_name, const KeyValues& params);
  // field_name / index_name may be empty (= any).
  Result<std::vector<IndexInfo>> DescribeIndex(const std::string& collection,
                                               const std::string& field_name,
                                               const std::string& index_name);
  Status DropIndex(const std::string& collection, const std::string& field_name,
                   const std::string& index_name);

  Status Load(const std::string& name);
  Status Release(const std::string& name);
  Result<bool> IsLoaded(const std::string& name);

  // Validates the whole batch first; a rejected batch writes nothing.
  Result<InsertResult> Insert(const std::string& collection, const std::string& partition,
                              RowBatch batch);
  Result<FlushResult> Flush(const std::string& collection);
  // True when every listed segment is sealed (or no longer exists).
  Result<bool> IsFlushed(const std::string& collection, const std::vector<int64_t>& segment_ids);

  Result<SearchResult> Search(const SearchRequest& request);
  Result<QueryResult> Query(const QueryRequest& request);

  // Blocks until background index builds are done (tests and tools).
  void WaitForIndexBuilds();

 private:
  explicit Engine(const EngineOptions& options);
  Result<std::shared_ptr<Collection>> Find(const std::string& name);
  Status Recover();

  EngineOptions options_;
  HybridClock clock_;
  ThreadPool pool_;
  std::unique_ptr<Catalog> catalog_;
  std::mutex mu_;  // guards collections_
  std::map<std::string, std::shared_ptr<Collection>> collections_;
  std::unique_ptr<IndexBuilder> builder_;  // declared last: stopped first
};

}  // namespace strata
