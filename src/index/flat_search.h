// Exact (FLAT / BIN_FLAT) search: every allowed base row is scored against every query.
//
// Scores follow Milvus: L2 is the squared distance (ascending), IP and COSINE are similarities
// (descending), HAMMING and JACCARD are distances (ascending). Ties go to the lower row id.
// COSINE normalises the queries and divides by each base row's norm, computed in the call;
// a zero vector on either side scores 0. Row ids are offsets into `base`.
//
// Inputs: `base` holds n rows and `queries` nq rows, row-major, dim floats (or dim_bits / 8
// bytes) per row, no alignment required; the caller keeps them alive for the call. `allowed`
// (nullable) has exactly n bits, bit set = row may be returned. Rows with a NaN score are
// never returned.
// Parallelism: with a pool, base ranges (or, for a base of only a few cache-sized blocks,
// queries) are split across its threads and the calling thread; nullptr runs on the caller alone.
// Results are bit-for-bit the same either way. The functions keep no state and are safe to call
// concurrently. Errors: InvalidArgument for a metric that does not fit the vector type, dim <= 0,
// dim_bits not a multiple of 8, k <= 0, negative counts, a filter of the wrong size, or null data.
#pragma once

#include <cstdint>
#include <vector>

#include "common/bitset.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "index/metric.h"
#include "index/range_params.h"

namespace strata {

// How many rows `*allowed` keeps (n when it is null). A filter that keeps every row is set to
// null on the way, so that an index takes its unfiltered path (no bit test per visited node,
// no kept-row pass per list) for the common case of no filter and no deletes, whoever built
// the bitset.
inline int64_t KeptRows(const Bitset** allowed, int64_t n) {
  if (*allowed == nullptr) return n;
  auto kept = static_cast<int64_t>((*allowed)->Count());
  if (kept == n) *allowed = nullptr;
  return kept;
}

// The k best hits of one query, best first. When fewer than k rows are allowed the tail is
// padded with id -1 and score +inf (distances) or -inf (similarities).
struct TopK {
  int64_t k = 0;
  std::vector<int64_t> ids;
  std::vector<float> scores;
};

// The hits of one query of a range search, best first, no padding.
struct RangeHits {
  std::vector<int64_t> ids;
  std::vector<float> scores;
};

// L2, IP or COSINE over float vectors. On success *out has nq entries of k each; the caller
// bounds k (Milvus allows at most 16384).
Status SearchFloatFlat(const float* base, int64_t n, int64_t dim, const float* queries, int64_t nq,
                       MetricType metric, int64_t k, const Bitset* allowed, ThreadPool* pool,
                       std::vector<TopK>* out);

// HAMMING or JACCARD over binary vectors of dim_bits bits (dim_bits / 8 bytes per row).
Status SearchBinaryFlat(const uint8_t* base, int64_t n, int64_t dim_bits, const uint8_t* queries,
                        int64_t nq, MetricType metric, int64_t k, const Bitset* allowed,
                        ThreadPool* pool, std::vector<TopK>* out);

// Range search with Milvus semantics (range_params.h): the best `limit` hits of each query
// whose score lies in `range`, best first (Milvus caps a range search at its limit too). On
// success *out has nq entries. Also InvalidArgument for limit <= 0 or a range that
// CheckRangeParams rejects.
Status RangeSearchFloatFlat(const float* base, int64_t n, int64_t dim, const float* queries,
                            int64_t nq, MetricType metric, const RangeParams& range, int64_t limit,
                            const Bitset* allowed, ThreadPool* pool, std::vector<RangeHits>* out);
Status RangeSearchBinaryFlat(const uint8_t* base, int64_t n, int64_t dim_bits,
                             const uint8_t* queries, int64_t nq, MetricType metric,
                             const RangeParams& range, int64_t limit, const Bitset* allowed,
                             ThreadPool* pool, std::vector<RangeHits>* out);

}  // namespace strata
