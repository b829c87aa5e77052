#include "index/flat_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>

namespace strata {
namespace {

std::vector<float> RandomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (uint8_t& x : v) x = static_cast<uint8_t>(rng());
  return v;
}

// Double-precision brute-force scores of one query against every base row.
std::vector<double> OracleFloat(const std::vector<float>& base, int64_t dim, const float* q,
                                MetricType metric) {
  int64_t n = static_cast<int64_t>(base.size()) / dim;
  std::vector<double> scores(n);
  for (int64_t r = 0; r < n; ++r) {
    const float* x = base.data() + r * dim;
    double l2 = 0, ip = 0, qq = 0, xx = 0;
    for (int64_t d = 0; d < dim; ++d) {
      l2 += (double(q[d]) - x[d]) * (double(q[d]) - x[d]);
      ip += double(q[d]) * x[d];
      qq += double(q[d]) * q[d];
      xx += double(x[d]) * x[d];
    }
    scores[r] = metric == MetricType::kL2   ? l2
                : metric == MetricType::kIP ? ip
                : (qq == 0 || xx == 0)      ? 0.0
                                            : ip / std::sqrt(qq * xx);
  }
  return scores;
}

std::vector<double> OracleBinary(const std::vector<uint8_t>& base, int64_t bytes, const uint8_t* q,
                                 MetricType metric) {
  int64_t n = static_cast<int64_t>(base.size()) / bytes;
  std::vector<double> scores(n);
  for (int64_t r = 0; r < n; ++r) {
    int both = 0, either = 0, diff = 0;
    for (int64_t i = 0; i < bytes; ++i) {
      uint8_t a = q[i], b = base[r * bytes + i];
      both += __builtin_popcount(a & b);
      either += __builtin_popcount(a | b);
      diff += __builtin_popcount(a ^ b);
    }
    scores[r] = metric == MetricType::kHamming ? diff
                : either == 0                  ? 0.0
                                               : 1.0 - double(both) / either;
  }
  return scores;
}

// Allowed row ids ordered best first (ties by lower id).
std::vector<int64_t> OracleOrder(const std::vector<double>& scores, MetricType metric,
                                 const Bitset* allowed) {
  std::vector<int64_t> ids;
  for (int64_t r = 0; r < static_cast<int64_t>(scores.size()); ++r) {
    if (allowed == nullptr || allowed->Test(r)) ids.push_back(r);
  }
  bool higher = HigherIsCloser(metric);
  std::stable_sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) {
    return higher ? scores[a] > scores[b] : scores[a] < scores[b];
  });
  return ids;
}

// Checks one query's TopK against the oracle within relative tolerance `tol`: the i-th score equals
// the oracle's i-th best, each returned score is its row's true score, rows are distinct and
// allowed, and the tail is padding.
void ExpectMatchesOracle(const TopK& got, const std::vector<double>& scores, MetricType metric,
                         const Bitset* allowed, int64_t k, double tol) {
  std::vector<int64_t> order = OracleOrder(scores, metric, allowed);
  size_t m = std::min<size_t>(k, order.size());
  ASSERT_EQ(got.k, k);
  ASSERT_EQ(got.ids.size(), static_cast<size_t>(k));
  ASSERT_EQ(got.scores.size(), static_cast<size_t>(k));
  std::set<int64_t> seen;
  for (size_t i = 0; i < m; ++i) {
    int64_t id = got.ids[i];
    ASSERT_GE(id, 0) << "rank " << i;
    ASSERT_LT(id, static_cast<int64_t>(scores.size()));
    EXPECT_TRUE(seen.insert(id).second) << "duplicate id " << id;
    if (allowed != nullptr) {
      EXPECT_TRUE(allowed->Test(id)) << "filtered row " << id;
    }
    double bound = tol * std::max(1.0, std::fabs(scores[order[i]]));
    EXPECT_NEAR(got.scores[i], scores[id], bound) << "rank " << i;
    EXPECT_NEAR(got.scores[i], scores[order[i]], bound) << "rank " << i;
    if (i > 0) {
      if (HigherIsCloser(metric)) {
        EXPECT_GE(got.scores[i - 1], got.scores[i]);
      } else {
        EXPECT_LE(got.scores[i - 1], got.scores[i]);
      }
    }
  }
  float pad = HigherIsCloser(metric) ? -std::numeric_limits<float>::infinity()
                                     : std::numeric_limits<float>::infinity();
  for (size_t i = m; i < static_cast<size_t>(k); ++i) {
    EXPECT_EQ(got.ids[i], -1);
    EXPECT_EQ(got.scores[i], pad);
  }
}

constexpr MetricType kFloatMetrics[] = {MetricType::kL2, MetricType::kIP, MetricType::kCosine};

struct FloatCase {
  int64_t n, dim, nq, k;
};

class FloatFlatTest : public ::testing::TestWithParam<FloatCase> {};

TEST_P(FloatFlatTest, MatchesOracleWithAndWithoutPoolAndFilter) {
  const FloatCase c = GetParam();
  std::vector<float> base = RandomFloats(c.n * c.dim, 11);
  std::vector<float> queries = RandomFloats(c.nq * c.dim, 12);
  ThreadPool pool(3);
  // Dense filter: every third row removed (blocked path for many queries); sparse filter:
  // one row in ten allowed (direct path); full: every row kept, searched as no filter.
  Bitset dense(c.n, true), sparse(c.n), full(c.n, true);
  for (int64_t r = 0; r < c.n; r += 3) dense.Clear(r);
  for (int64_t r = 0; r < c.n; r += 10) sparse.Set(r);
  for (MetricType metric : kFloatMetrics) {
    for (const Bitset* allowed :
         {static_cast<const Bitset*>(nullptr), static_cast<const Bitset*>(&dense),
          static_cast<const Bitset*>(&sparse), static_cast<const Bitset*>(&full)}) {
      SCOPED_TRACE(std::string(MetricTypeName(metric)) + (allowed == nullptr ? "" : " filtered"));
      std::vector<TopK> single, parallel;
      ASSERT_TRUE(SearchFloatFlat(base.data(), c.n, c.dim, queries.data(), c.nq, metric, c.k,
                                  allowed, nullptr, &single)
                      .ok());
      ASSERT_TRUE(SearchFloatFlat(base.data(), c.n, c.dim, queries.data(), c.nq, metric, c.k,
                                  allowed, &pool, &parallel)
                      .ok());
      ASSERT_EQ(single.size(), static_cast<size_t>(c.nq));
      for (int64_t q = 0; q < c.nq; ++q) {
        std::vector<double> scores = OracleFloat(base, c.dim, queries.data() + q * c.dim, metric);
        ExpectMatchesOracle(single[q], scores, metric, allowed, c.k, 1e-4);
        // The thread split never changes a result.
        EXPECT_EQ(parallel[q].ids, single[q].ids);
        EXPECT_EQ(parallel[q].scores, single[q].scores);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FloatFlatTest,
    ::testing::Values(FloatCase{1000, 37, 20, 10},   // blocked, queries split over threads
                      FloatCase{3000, 128, 2, 50},   // direct, base split over threads
                      FloatCase{20000, 16, 9, 5},    // blocked, base split over threads
                      FloatCase{5, 7, 4, 8},         // k > n
                      FloatCase{130, 3, 40, 130}));  // k == n

TEST(FlatSearchTest, FilterExcludingTrueNeighbours) {
  const int64_t n = 2000, dim = 24, nq = 16, k = 10;
  std::vector<float> base = RandomFloats(n * dim, 21);
  std::vector<float> queries = RandomFloats(nq * dim, 22);
  for (MetricType metric : kFloatMetrics) {
    std::vector<TopK> unfiltered;
    ASSERT_TRUE(SearchFloatFlat(base.data(), n, dim, queries.data(), nq, metric, k, nullptr,
                                nullptr, &unfiltered)
                    .ok());
    Bitset allowed(n, true);
    for (const TopK& t : unfiltered) {
      for (int64_t id : t.ids) allowed.Clear(id);
    }
    std::vector<TopK> filtered;
    ASSERT_TRUE(SearchFloatFlat(base.data(), n, dim, queries.data(), nq, metric, k, &allowed,
                                nullptr, &filtered)
                    .ok());
    for (int64_t q = 0; q < nq; ++q) {
      for (int64_t id : unfiltered[q].ids) {
        EXPECT_EQ(std::count(filtered[q].ids.begin(), filtered[q].ids.end(), id), 0);
      }
      ExpectMatchesOracle(filtered[q], OracleFloat(base, dim, queries.data() + q * dim, metric),
                          metric, &allowed, k, 1e-4);
    }
  }
}

TEST(FlatSearchTest, EmptyFilterAndEmptyBaseGivePaddingOnly) {
  std::vector<float> base = RandomFloats(64 * 4, 1), query = RandomFloats(4, 2);
  Bitset none(64);
  std::vector<TopK> out;
  ASSERT_TRUE(
      SearchFloatFlat(base.data(), 64, 4, query.data(), 1, MetricType::kIP, 3, &none, nullptr, &out)
          .ok());
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{-1, -1, -1}));
  ASSERT_TRUE(
      SearchFloatFlat(nullptr, 0, 4, query.data(), 1, MetricType::kL2, 2, nullptr, nullptr, &out)
          .ok());
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{-1, -1}));
  EXPECT_EQ(out[0].scores[0], std::numeric_limits<float>::infinity());
}

TEST(FlatSearchTest, SelfMatchAndTiesByLowerId) {
  // Rows 1 and 3 equal the query; rows 0 and 2 are equally far.
  std::vector<float> base = {0, 1, 1, 1, 2, 1, 1, 1};
  std::vector<float> query = {1, 1};
  for (int64_t nq : {1, 8}) {  // direct and blocked paths
    std::vector<float> queries;
    for (int64_t i = 0; i < nq; ++i) queries.insert(queries.end(), query.begin(), query.end());
    std::vector<TopK> out;
    ASSERT_TRUE(SearchFloatFlat(base.data(), 4, 2, queries.data(), nq, MetricType::kL2, 4, nullptr,
                                nullptr, &out)
                    .ok());
    EXPECT_EQ(out[0].ids, (std::vector<int64_t>{1, 3, 0, 2}));
    EXPECT_EQ(out[0].scores, (std::vector<float>{0, 0, 1, 1}));
  }
}

TEST(FlatSearchTest, CosineZeroVectorsScoreZero) {
  std::vector<float> base = {0, 0, 0, 3, 4, 0, -3, -4, 0};
  std::vector<float> zero_query = {0, 0, 0};
  std::vector<TopK> out;
  ASSERT_TRUE(SearchFloatFlat(base.data(), 3, 3, zero_query.data(), 1, MetricType::kCosine, 3,
                              nullptr, nullptr, &out)
                  .ok());
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(out[0].scores, (std::vector<float>{0, 0, 0}));
  std::vector<float> query = {6, 8, 0};
  ASSERT_TRUE(SearchFloatFlat(base.data(), 3, 3, query.data(), 1, MetricType::kCosine, 3, nullptr,
                              nullptr, &out)
                  .ok());
  EXPECT_EQ(out[0].ids, (std::vector<int64_t>{1, 0, 2}));
  EXPECT_NEAR(out[0].scores[0], 1.0f, 1e-6);
  EXPECT_EQ(out[0].scores[1], 0.0f);
  EXPECT_NEAR(out[0].scores[2], -1.0f, 1e-6);
}

TEST(FlatSearchTest, BinaryMatchesOracleExactly) {
  const int64_t n = 3000, dim_bits = 136, bytes = dim_bits / 8, nq = 6, k = 20;
  std::vector<uint8_t> base = RandomBytes(n * bytes, 31);
  std::vector<uint8_t> queries = RandomBytes(nq * bytes, 32);
  std::fill(base.begin(), base.begin() + bytes, 0);  // an all-zero row for JACCARD
  ThreadPool pool(2);
  Bitset allowed(n, true);
  for (int64_t r = 1; r < n; r += 2) allowed.Clear(r);
  for (MetricType metric : {MetricType::kHamming, MetricType::kJaccard}) {
    for (const Bitset* filter :
         {static_cast<const Bitset*>(nullptr), static_cast<const Bitset*>(&allowed)}) {
      for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
        std::vector<TopK> out;
        ASSERT_TRUE(SearchBinaryFlat(base.data(), n, dim_bits, queries.data(), nq, metric, k,
                                     filter, p, &out)
                        .ok());
        for (int64_t q = 0; q < nq; ++q) {
          std::vector<double> scores =
              OracleBinary(base, bytes, queries.data() + q * bytes, metric);
          std::vector<int64_t> order = OracleOrder(scores, metric, filter);
          order.resize(k);
          EXPECT_EQ(out[q].ids, order);  // exact scores, so ties resolve exactly by id
          ExpectMatchesOracle(out[q], scores, metric, filter, k, 1e-6);
        }
      }
    }
  }
}

// Rows clearly inside the range (by more than tol) must be returned; rows clearly outside
// must not; hits come best first.
void ExpectRangeMatches(const RangeHits& got, const std::vector<double>& scores, MetricType metric,
                        double radius, std::optional<double> range_filter, double tol) {
  bool higher = HigherIsCloser(metric);
  auto inside = [&](double s, double slack) {
    if (higher) return s > radius + slack && (!range_filter || s <= *range_filter - slack);
    return s < radius - slack && (!range_filter || s >= *range_filter + slack);
  };
  std::set<int64_t> returned(got.ids.begin(), got.ids.end());
  EXPECT_EQ(returned.size(), got.ids.size());
  size_t clearly_inside = 0;
  for (int64_t r = 0; r < static_cast<int64_t>(scores.size()); ++r) {
    if (inside(scores[r], tol)) {
      ++clearly_inside;
      EXPECT_TRUE(returned.count(r)) << "missing row " << r << " score " << scores[r];
    }
    if (!inside(scores[r], -tol)) {
      EXPECT_FALSE(returned.count(r)) << "extra row " << r;
    }
  }
  EXPECT_GT(clearly_inside, 0u);
  for (size_t i = 1; i < got.scores.size(); ++i) {
    EXPECT_TRUE(higher ? got.scores[i - 1] >= got.scores[i] : got.scores[i - 1] <= got.scores[i]);
  }
}

TEST(RangeSearchTest, FloatMatchesOracle) {
  const int64_t n = 4000, dim = 20, nq = 12;
  std::vector<float> base = RandomFloats(n * dim, 41);
  std::vector<float> queries = RandomFloats(nq * dim, 42);
  ThreadPool pool(3);
  struct Range {
    MetricType metric;
    float radius;
    std::optional<float> range_filter;
  };
  for (Range r : {Range{MetricType::kL2, 8.0f, std::nullopt}, Range{MetricType::kL2, 9.0f, 6.0f},
                  Range{MetricType::kIP, 1.5f, std::nullopt}, Range{MetricType::kIP, 1.0f, 2.5f},
                  Range{MetricType::kCosine, 0.4f, 0.7f}}) {
    for (ThreadPool* p : {static_cast<ThreadPool*>(nullptr), &pool}) {
      std::vector<RangeHits> out;
      ASSERT_TRUE(RangeSearchFloatFlat(base.data(), n, dim, queries.data(), nq, r.metric,
                                       RangeParams{r.radius, r.range_filter}, n, nullptr, p, &out)
                      .ok());
      ASSERT_EQ(out.size(), static_cast<size_t>(nq));
      for (int64_t q = 0; q < nq; ++q) {
        std::vector<double> scores = OracleFloat(base, dim, queries.data() + q * dim, r.metric);
        std::optional<double> rf;
        if (r.range_filter) rf = *r.range_filter;
        ExpectRangeMatches(out[q], scores, r.metric, r.radius, rf, 1e-4);
      }
    }
  }
}

TEST(RangeSearchTest, BinaryBoundsAreExact) {
  const int64_t n = 500, bytes = 4, nq = 3;
  std::vector<uint8_t> base = RandomBytes(n * bytes, 51);
  std::vector<uint8_t> queries = RandomBytes(nq * bytes, 52);
  Bitset allowed(n, true);
  allowed.Clear(7);
  std::vector<RangeHits> out;
  // HAMMING keeps 12 <= d < 16: both bounds are hit exactly by integer distances.
  ASSERT_TRUE(RangeSearchBinaryFlat(base.data(), n, bytes * 8, queries.data(), nq,
                                    MetricType::kHamming, RangeParams{16.0f, 12.0f}, n, &allowed,
                                    nullptr, &out)
                  .ok());
  for (int64_t q = 0; q < nq; ++q) {
    std::vector<double> scores =
        OracleBinary(base, bytes, queries.data() + q * bytes, MetricType::kHamming);
    std::vector<int64_t> expected;
    for (int64_t id : OracleOrder(scores, MetricType::kHamming, &allowed)) {
      if (scores[id] >= 12 && scores[id] < 16) expected.push_back(id);
    }
    EXPECT_EQ(out[q].ids, expected);
    EXPECT_FALSE(expected.empty());
  }
}

TEST(FlatSearchTest, RejectsInvalidArguments) {
  std::vector<float> base(16), query(4);
  std::vector<uint8_t> bits(8);
  std::vector<TopK> out;
  EXPECT_EQ(SearchFloatFlat(base.data(), 4, 4, query.data(), 1, MetricType::kHamming, 1, nullptr,
                            nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SearchFloatFlat(base.data(), 4, 4, query.data(), 1, MetricType::kL2, 0, nullptr,
                            nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SearchFloatFlat(base.data(), 4, 0, query.data(), 1, MetricType::kL2, 1, nullptr,
                            nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
  Bitset wrong_size(5);
  EXPECT_EQ(SearchFloatFlat(base.data(), 4, 4, query.data(), 1, MetricType::kL2, 1, &wrong_size,
                            nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SearchBinaryFlat(bits.data(), 2, 12, bits.data(), 1, MetricType::kHamming, 1, nullptr,
                             nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SearchBinaryFlat(bits.data(), 2, 32, bits.data(), 1, MetricType::kIP, 1, nullptr,
                             nullptr, &out)
                .code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
