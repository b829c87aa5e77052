// Range search parameters with Milvus's meaning: `radius` is the outer bound and the optional
// `range_filter` the inner one. Distances (L2, HAMMING, JACCARD) keep range_filter <= d < radius;
// similarities (IP, COSINE) keep radius < s <= range_filter. Without range_filter only the
// radius bound applies. All functions are pure and thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "common/result.h"
#include "index/metric.h"

namespace strata {

struct RangeParams {
  float radius = 0;
  std::optional<float> range_filter;
};

// InvalidArgument unless radius (and range_filter, if any) are finite and range_filter lies on
// the closer side of radius: below it for distances, above it for similarities.
Status CheckRangeParams(const RangeParams& range, MetricType metric);

// Reads "radius" and "range_filter" from search params (JSON numbers, or numeric strings as
// some clients send). nullopt when there is no "radius" (a plain top-k search); InvalidArgument
// for a value that is not a number, a range_filter without a radius, or what CheckRangeParams
// rejects.
Result<std::optional<RangeParams>> ParseRangeParams(const nlohmann::json& search_params,
                                                    MetricType metric);

// The range as inclusive bounds [lo, hi] on keys (lower key = closer; similarities negated, as
// hit_heap.h keys them): the strict radius bound becomes the next float towards the query.
struct KeyBounds {
  float lo;
  float hi;
};
KeyBounds RangeKeyBounds(const RangeParams& range, MetricType metric);

}  // namespace strata
