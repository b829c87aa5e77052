// IndexBuilder: builds the indexes of sealed segments in the background, off the request path.
// For every index in the catalog and every sealed segment without a built file for it, it
// builds the index from the segment's rows, writes it to
//   <root>index_files/<build id>/1/<partition>/<segment>/<index name>
// commits the file's name into the segment's catalog entry, and hands the index to the
// collection so loaded segments start using it. A restart loads these files instead of
// rebuilding. One worker thread; builds use the shared pool. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "common/thread_pool.h"
#include "engine/collection.h"
#include "objstore/object_store.h"

namespace strata {

// The index spec a catalog IndexMeta describes (index_type, metric_type, params JSON).
Result<IndexSpec> IndexSpecFromMeta(const IndexMeta& index, DataType field_type);

class IndexBuilder {
 public:
  using CollectionLookup = std::function<std::shared_ptr<Collection>(int64_t collection_id)>;

  IndexBuilder(ObjectStore* store, std::string root, Catalog* catalog, HybridClock* clock,
               ThreadPool* pool, CollectionLookup lookup);
  ~IndexBuilder();  // Finishes the build in progress, drops the queue, joins.

  // Queues a pass over the collection's segments (duplicates are merged).
  void Schedule(int64_t collection_id);
  // Blocks until the queue is empty and no build runs (tests).
  void WaitIdle();

 private:
  void Run();
  Status BuildPending(int64_t collection_id);

  ObjectStore* const store_;
  const std::string root_;
  Catalog* const catalog_;
  HybridClock* const clock_;
  ThreadPool* const pool_;
  const CollectionLookup lookup_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int64_t> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace strata
