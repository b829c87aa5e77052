// Hybrid search's reranking (Milvus's RRFRanker and WeightedRanker): the ranked hits several
// vector searches found for one query become one list, best first.
//
// Thread safety: the functions keep no state.
#pragma once

#include <functional>
#include <vector>

#include "common/status.h"
#include "engine/group_by.h"
#include "engine/types.h"
#include "index/metric.h"

namespace strata {

// Milvus's limit on the searches of one hybrid search.
inline constexpr size_t kMaxHybridSearches = 1024;

// InvalidArgument, with Milvus's words, unless `ranker` suits `searches` searches: RRF's k in
// (0, 16384); one weight per search, each in [0, 1].
Status ValidateRanker(const Ranker& ranker, size_t searches);

// `score` of `metric` mapped into [0, 1], higher meaning closer: COSINE (1 + s) / 2; IP
// 1/2 + atan(s) / pi; distances (L2, HAMMING, JACCARD) 1 - 2 atan(s) / pi.
double NormalizeScore(MetricType metric, double score);

// One query's hits from every search (lists[s] best first, scored by metrics[s]), merged: each
// row once, with its fused score, best first; equal scores ordered by `tie_less` (the primary
// key). Rows are matched by (chunk, row), so all lists must come from one snapshot.
std::vector<ScoredRow> FuseRankings(
    const Ranker& ranker, const std::vector<MetricType>& metrics,
    const std::vector<const std::vector<ScoredRow>*>& lists,
    const std::function<bool(const ScoredRow&, const ScoredRow&)>& tie_less);

}  // namespace strata
