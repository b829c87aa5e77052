// Benchmark data files and exact ground truth for strata-bench-ann.
//
// .fvecs: per vector an int32 dim then dim float32; .ivecs: the same with int32 values
// (little-endian, the format of the ann-benchmarks / TEXMEX sets). Errors: NotFound for a
// missing file, DataLoss for a malformed one.
#pragma once

#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "runner.h"

namespace strata::bench {

// Reads at most `limit` rows (all when limit <= 0).
Result<Matrix> ReadFvecs(const std::string& path, int64_t limit);
// Rows of k ids each; rows longer than k are cut to k.
Result<std::vector<int32_t>> ReadIvecs(const std::string& path, int64_t rows, int64_t k);
Status WriteIvecs(const std::string& path, const std::vector<int32_t>& ids, int64_t k);

// The exact k nearest base rows of each query (ids, nq x k, best first; -1 past n). Scores
// are accumulated in float64 and ties go to the lower id: a float32 scan on `pool` shortlists
// kShortlist rows per query, which are then rescored in float64.
std::vector<int32_t> ExactNeighbors(const Matrix& base, const Matrix& queries, MetricType metric,
                                    int64_t k, ThreadPool* pool);

}  // namespace strata::bench
