// Grouping search (Milvus's `group_by_field`): for each query, the best `groups` groups of rows
// that share one value of a scalar field, each group holding its best `group_size` hits, groups
// ordered by their best hit and hits within a group best first.
//
// How (doc/design.md, "Grouping search"): every chunk finds its own best groups, through its
// index with a growing k (4 * groups, at least 64, doubled up to 16,384) or exactly over its raw
// vectors when it has no index, a FLAT one, or an index that cannot supply enough distinct
// groups. Groups short of group_size hits are then completed by a search restricted to their
// own rows; a chunk knows how many allowed rows each group has, so it knows when a group is
// complete. The merge keeps the best groups over all chunks. A chunk's best `groups` groups
// always contain every group of the global answer whose best hit lies in that chunk, so with
// group_size 1 the merge is exact; with a larger group_size a second pass asks each chunk for
// the chosen groups it did not report. Without an index (or with FLAT) the result is therefore
// exactly the brute-force grouping.
//
// Thread safety: the functions keep no state; inputs are read-only for the call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/bitset.h"
#include "common/result.h"
#include "common/thread_pool.h"
#include "engine/types.h"
#include "index/metric.h"
#include "index/vector_index.h"
#include "schema/schema.h"
#include "segment/segment.h"

namespace strata {

// Milvus's default quotaAndLimits.limits.maxGroupSize.
inline constexpr int64_t kMaxGroupSize = 10;

// The field named by group_by_field. InvalidArgument naming the field when it does not exist or
// is not Bool, Int8, Int16, Int32, Int64 or VarChar.
Result<const FieldSchema*> ResolveGroupByField(const CollectionSchema& schema,
                                               const std::string& name);

// One chunk as the grouped search sees it: its rows, its built index for the vector field
// (nullptr = search its raw vectors exactly) and the rows that may be returned.
struct GroupedChunk {
  const Chunk* chunk = nullptr;
  const VectorIndex* index = nullptr;
  Bitset allowed;  // num_rows bits
};

// A hit: its score and where its row lives (index into the chunk list, row in the chunk).
struct ScoredRow {
  float score;
  int64_t chunk;
  int64_t row;
};

struct GroupedSearchSpec {
  const FieldSchema* vector_field = nullptr;
  const FieldSchema* group_field = nullptr;
  MetricType metric = MetricType::kL2;
  int64_t nq = 0;
  const void* queries = nullptr;  // nq float rows, or nq binary rows of dim / 8 bytes
  const nlohmann::json* search_params = nullptr;
  int64_t offset = 0;      // groups to skip per query (Milvus applies offset to groups)
  int64_t limit = 0;       // groups to return per query
  int64_t group_size = 1;  // hits per group
  // Strict weak order of hits, best first (score, then primary key).
  std::function<bool(const ScoredRow&, const ScoredRow&)> better;
};

// For each query, the hits of its groups offset+1 .. offset+limit, group after group (groups
// ordered by their best hit), each group's hits best first. Errors are those of the index searches
// (InvalidArgument for bad search parameters). `pool` runs chunks in parallel.
Status GroupedSearch(const GroupedSearchSpec& spec, const std::vector<GroupedChunk>& chunks,
                     ThreadPool* pool, std::vector<std::vector<ScoredRow>>* out);

}  // namespace strata
