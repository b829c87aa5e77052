// HNSW: a hierarchical navigable small-world graph over float vectors (Malkov & Yashunin,
// "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
// World graphs"), with Milvus's parameter names.
//
// Build params (IndexSpec::params): "M" (links per node on the upper layers, 2M on the base
// layer; default 16, range [2, 2048]) and "efConstruction" (candidate list size while building;
// default 200, range [1, 2^31 - 1]). Search params: "ef" (candidate list size; default
// max(k, 64); an ef below k is raised to k; range [1, 2^31 - 1]).
// Metrics: L2 (squared distance, ascending), IP and COSINE (similarity, descending). COSINE
// vectors are normalised at build and queries at search, so scores are cosine similarities.
//
// The index owns a copy of the vectors (row-major, normalised for COSINE) and the graph: the
// base layer as one flat array of 2M slots per node, upper layers packed per node. Rows with
// byte-identical vectors share one graph node (the lowest row; the others hang off it in a
// copy chain) and come back together, in row order. Node levels come from a fixed-seed hash of
// the row id, so a single-threaded build is deterministic; a parallel build (per-node locks)
// gives an equivalent but not identical graph.
//
// Range search (VectorIndex::RangeSearch): a top-ef walk finds seeds, then a best-first
// expansion over the base layer follows links while they stay inside the radius (and, once
// `limit` hits are held, no farther than the worst of them). Search param "ef" (default 64)
// sizes only the seed walk. Filtered-out rows are traversed, never returned; a selective filter
// falls back to exact range search over the allowed rows, as Search does.
//
// Filtering: rows whose `allowed` bit is clear are traversed but never returned. When few rows
// are allowed (so the graph walk would visit most of the graph anyway), or when a walk finds
// fewer hits than it should, the query falls back to exact search over the allowed rows.
//
// Thread safety: the index is immutable after build/load; Search may run concurrently.
// Errors: InvalidArgument for bad build or search parameters, a metric other than L2/IP/COSINE,
// missing float data, or more than 2^32 - 2 rows; LoadHnswIndex returns DataLoss naming the
// object for any inconsistency in the bytes (sizes, counts, neighbour ids, levels).
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "index/vector_index.h"

namespace strata {

// Cancelled, with nothing built, once `*cancel` (nullable) turns true during the build.
Result<std::unique_ptr<VectorIndex>> BuildHnswIndex(const IndexSpec& spec, const VectorData& data,
                                                    ThreadPool* pool,
                                                    const std::atomic<bool>* cancel = nullptr);

// `payload` is what the index's Serialize wrote (outside the envelope). The stored metric must
// match spec.metric.
Result<std::unique_ptr<VectorIndex>> LoadHnswIndex(const IndexSpec& spec, std::string_view payload,
                                                   std::string_view object_name);

}  // namespace strata
