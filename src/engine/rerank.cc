#include "engine/rerank.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <utility>

namespace strata {

Status ValidateRanker(const Ranker& ranker, size_t searches) {
  if (ranker.kind == Ranker::Kind::kRrf) {
    if (!(ranker.rrf_k > 0 && ranker.rrf_k < 16384))
      return InvalidArgument("The rank params k should be in range (0, 16384)");
    return Status::Ok();
  }
  if (ranker.weights.size() != searches)
    return InvalidArgument(fmt::format(
        "the length of weights param mismatch with ann search requests: expected={}, actual={}",
        searches, ranker.weights.size()));
  for (double w : ranker.weights)
    if (!(w >= 0 && w <= 1)) return InvalidArgument("rank param weight should be in range [0, 1]");
  return Status::Ok();
}

double NormalizeScore(MetricType metric, double score) {
  switch (metric) {
    case MetricType::kCosine:
      return (1 + score) * 0.5;
    case MetricType::kIP:
      return 0.5 + std::atan(score) / std::numbers::pi;
    default:
      return 1 - 2 * std::atan(score) / std::numbers::pi;
  }
}

std::vector<ScoredRow> FuseRankings(
    const Ranker& ranker, const std::vector<MetricType>& metrics,
    const std::vector<const std::vector<ScoredRow>*>& lists,
    const std::function<bool(const ScoredRow&, const ScoredRow&)>& tie_less) {
  // Summed in double, in search order, so a row's score does not depend on the others.
  std::map<std::pair<int64_t, int64_t>, double> fused;
  for (size_t s = 0; s < lists.size(); ++s) {
    const std::vector<ScoredRow>& hits = *lists[s];
    for (size_t rank = 0; rank < hits.size(); ++rank) {
      const ScoredRow& hit = hits[rank];
      double score;
      if (ranker.kind == Ranker::Kind::kRrf) {
        score = 1.0 / (ranker.rrf_k + static_cast<double>(rank + 1));
      } else {
        double raw = ranker.normalize ? NormalizeScore(metrics[s], hit.score) : hit.score;
        score = ranker.weights[s] * raw;
      }
      fused[{hit.chunk, hit.row}] += score;
    }
  }
  // Ordered by the double sums, so rounding to float cannot turn a difference into a tie.
  struct Fused {
    double score;
    ScoredRow hit;
  };
  std::vector<Fused> order;
  order.reserve(fused.size());
  for (const auto& [where, score] : fused)
    order.push_back({score, {static_cast<float>(score), where.first, where.second}});
  std::sort(order.begin(), order.end(), [&](const Fused& a, const Fused& b) {
    if (a.score != b.score) return a.score > b.score;
    return tie_less(a.hit, b.hit);
  });
  std::vector<ScoredRow> out;
  out.reserve(order.size());
  for (const Fused& f : order) out.push_back(f.hit);
  return out;
}

}  // namespace strata
