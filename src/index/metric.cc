#include "index/metric.h"

#include <array>
#include <string>

namespace strata {

namespace {

constexpr std::array<MetricType, 5> kAllMetrics = {MetricType::kL2, MetricType::kIP,
                                                   MetricType::kCosine, MetricType::kHamming,
                                                   MetricType::kJaccard};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'a' && a[i] <= 'z' ? static_cast<char>(a[i] - 'a' + 'A') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

}  // namespace

Result<MetricType> ParseMetricType(std::string_view name) {
  for (MetricType m : kAllMetrics) {
    if (EqualsIgnoreCase(name, MetricTypeName(m))) return m;
  }
  std::string valid;
  for (MetricType m : kAllMetrics) {
    if (!valid.empty()) valid += ", ";
    valid += MetricTypeName(m);
  }
  return InvalidArgument("unknown metric type \"" + std::string(name) + "\"; valid: " + valid);
}

std::string_view MetricTypeName(MetricType metric) {
  switch (metric) {
    case MetricType::kL2:
      return "L2";
    case MetricType::kIP:
      return "IP";
    case MetricType::kCosine:
      return "COSINE";
    case MetricType::kHamming:
      return "HAMMING";
    case MetricType::kJaccard:
      return "JACCARD";
  }
  return "UNKNOWN";
}

bool HigherIsCloser(MetricType metric) {
  return metric == MetricType::kIP || metric == MetricType::kCosine;
}

bool IsBinaryMetric(MetricType metric) {
  return metric == MetricType::kHamming || metric == MetricType::kJaccard;
}

}  // namespace strata
