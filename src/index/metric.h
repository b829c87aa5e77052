// Metric types, spelled and scored as Milvus does.
//
// Scores: kL2 is the squared Euclidean distance (smaller is closer); kIP and kCosine are
// similarities (larger is closer); kHamming (differing bits) and kJaccard (1 - |a&b| / |a|b|)
// are distances over binary vectors (smaller is closer). All functions are pure and thread-safe.
#pragma once

#include <string_view>

#include "common/result.h"

namespace strata {

enum class MetricType { kL2, kIP, kCosine, kHamming, kJaccard };

// Case-insensitive "L2", "IP", "COSINE", "HAMMING", "JACCARD"; InvalidArgument otherwise,
// naming the valid spellings.
Result<MetricType> ParseMetricType(std::string_view name);
// The canonical upper-case name ("L2", "IP", ...).
std::string_view MetricTypeName(MetricType metric);
// True for similarities (IP, COSINE), false for distances.
bool HigherIsCloser(MetricType metric);
// True for the metrics over binary vectors (HAMMING, JACCARD).
bool IsBinaryMetric(MetricType metric);

}  // namespace strata
