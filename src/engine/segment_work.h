// What the background work on sealed segments (engine/background.h) shares: its context, and
// building one segment's index into index_files/.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "common/hybrid_clock.h"
#include "common/thread_pool.h"
#include "index/vector_index.h"
#include "objstore/object_store.h"
#include "segment/segment.h"

namespace strata {

class PendingWrites;

// Pointers not owned.
struct SegmentWorkContext {
  ObjectStore* store = nullptr;
  std::string root;
  Catalog* catalog = nullptr;
  HybridClock* clock = nullptr;
  ThreadPool* pool = nullptr;
  const PendingWrites* flushes = nullptr;     // garbage collection waits these out (garbage.h)
  const std::atomic<bool>* cancel = nullptr;  // set when the server stops: builds end early
};

// The index spec a catalog IndexMeta describes (index_type, metric_type, params JSON).
Result<IndexSpec> IndexSpecFromMeta(const IndexMeta& index, DataType field_type);

// A segment index built and written to index_files/, not yet named by the catalog.
struct BuiltSegmentIndex {
  SegmentIndexFile file;
  std::unique_ptr<VectorIndex> index;
};

// Builds `index` over the rows of `chunk`, segment `segment_id` of `partition_id`, and writes it
// to <root>index_files/<build id>/1/<partition>/<segment>/<index name>.
Result<BuiltSegmentIndex> BuildSegmentIndex(const SegmentWorkContext& ctx,
                                            const CollectionSchema& schema, const IndexMeta& index,
                                            int64_t partition_id, int64_t segment_id,
                                            const Chunk& chunk);

}  // namespace strata
