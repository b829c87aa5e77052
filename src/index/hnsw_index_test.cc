#include "index/hnsw_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <random>
#include <set>

#include "index/ivf_test_util.h"

namespace strata {
namespace {

// n points around `clusters` random centres: the shape real embeddings have.
std::vector<float> Clustered(int64_t n, int64_t dim, int clusters, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> noise(0.0f, 0.3f);
  std::uniform_real_distribution<float> centre(-2.0f, 2.0f);
  std::vector<float> centres(static_cast<size_t>(clusters * dim));
  for (float& c : centres) c = centre(rng);
  std::vector<float> v(static_cast<size_t>(n * dim));
  for (int64_t i = 0; i < n; ++i) {
    int c = static_cast<int>(rng() % clusters);
    for (int64_t d = 0; d < dim; ++d) v[i * dim + d] = centres[c * dim + d] + noise(rng);
  }
  return v;
}

IndexSpec Spec(MetricType metric, int m = 16, int efc = 200) {
  IndexSpec spec;
  spec.index_type = "HNSW";
  spec.metric = metric;
  spec.params = {{"M", m}, {"efConstruction", efc}};
  return spec;
}

std::unique_ptr<VectorIndex> MustBuild(const IndexSpec& spec, const std::vector<float>& v,
                                       int64_t dim, ThreadPool* pool) {
  VectorData data{v.data(), nullptr, static_cast<int64_t>(v.size()) / dim, dim};
  auto index = BuildHnswIndex(spec, data, pool);
  EXPECT_TRUE(index.ok()) << index.status().ToString();
  return std::move(index).value();
}

double Recall(const std::vector<TopK>& got, const std::vector<TopK>& truth) {
  size_t hits = 0, total = 0;
  for (size_t q = 0; q < got.size(); ++q) {
    std::set<int64_t> want;
    for (int64_t id : truth[q].ids) {
      if (id >= 0) want.insert(id);
    }
    for (int64_t id : got[q].ids) hits += want.count(id);
    total += want.size();
  }
  return total == 0 ? 1.0 : static_cast<double>(hits) / total;
}

class HnswRecallTest : public ::testing::TestWithParam<MetricType> {};

TEST_P(HnswRecallTest, RecallAtTenAboveNinetyFivePercent) {
  const int64_t n = 20000, dim = 64, nq = 200, k = 10;
  auto base = Clustered(n + nq, dim, 50, 1);
  std::vector<float> queries(base.end() - nq * dim, base.end());
  base.resize(n * dim);
  ThreadPool pool(2);
  auto index = MustBuild(Spec(GetParam()), base, dim, &pool);
  EXPECT_EQ(index->size(), n);
  EXPECT_EQ(index->dim(), dim);
  EXPECT_GT(index->MemoryBytes(), n * dim * 4);
  std::vector<TopK> truth, got;
  ASSERT_TRUE(SearchFloatFlat(base.data(), n, dim, queries.data(), nq, GetParam(), k, nullptr,
                              nullptr, &truth)
                  .ok());
  ASSERT_TRUE(index->Search(queries.data(), nq, k, {{"ef", 64}}, nullptr, &pool, &got).ok());
  EXPECT_GE(Recall(got, truth), 0.95);
  // An approximate index may miss a query's true nearest row; it must not miss it often.
  int exact_top1 = 0;
  for (size_t q = 0; q < got.size(); ++q) {
    // Scores are the metric's own (similarity for IP/COSINE), best first.
    for (int64_t j = 0; j + 1 < k; ++j) {
      if (HigherIsCloser(GetParam())) {
        EXPECT_GE(got[q].scores[j], got[q].scores[j + 1]);
      } else {
        EXPECT_LE(got[q].scores[j], got[q].scores[j + 1]);
      }
    }
    exact_top1 += std::fabs(got[q].scores[0] - truth[q].scores[0]) <=
                  1e-3 * (1 + std::fabs(truth[q].scores[0]));
  }
  EXPECT_GE(exact_top1, static_cast<int>(0.95 * nq));
  // The same queries one thread, one at a time, give the same answers.
  std::vector<TopK> serial;
  ASSERT_TRUE(index->Search(queries.data(), nq, k, {{"ef", 64}}, nullptr, nullptr, &serial).ok());
  for (size_t q = 0; q < got.size(); ++q) EXPECT_EQ(serial[q].ids, got[q].ids);
}

INSTANTIATE_TEST_SUITE_P(Metrics, HnswRecallTest,
                         ::testing::Values(MetricType::kL2, MetricType::kIP, MetricType::kCosine));

TEST(HnswTest, SerializeLoadGivesIdenticalResults) {
  const int64_t dim = 16, nq = 50;
  auto base = Clustered(3000 + nq, dim, 20, 3);
  std::vector<float> queries(base.end() - nq * dim, base.end());
  base.resize(3000 * dim);
  auto index = MustBuild(Spec(MetricType::kCosine, 8, 64), base, dim, nullptr);
  std::string bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  auto loaded = LoadHnswIndex(Spec(MetricType::kCosine), bytes, "idx/1");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<TopK> a, b;
  ASSERT_TRUE(index->Search(queries.data(), nq, 7, {}, nullptr, nullptr, &a).ok());
  ASSERT_TRUE((*loaded)->Search(queries.data(), nq, 7, {}, nullptr, nullptr, &b).ok());
  testing_util::ExpectSameHits(a, b);
  std::string again;
  ASSERT_TRUE((*loaded)->Serialize(&again).ok());
  EXPECT_EQ(again, bytes);
  // A single-threaded build is deterministic.
  std::string rebuilt;
  ASSERT_TRUE(
      MustBuild(Spec(MetricType::kCosine, 8, 64), base, dim, nullptr)->Serialize(&rebuilt).ok());
  EXPECT_EQ(rebuilt, bytes);
  // The stored metric must match the spec.
  EXPECT_EQ(LoadHnswIndex(Spec(MetricType::kL2), bytes, "idx/1").status().code(),
            StatusCode::kDataLoss);
}

TEST(HnswTest, CorruptOrTruncatedBytesAreDataLossNotACrash) {
  const int64_t dim = 4;
  auto base = Clustered(300, dim, 5, 5);
  auto index = MustBuild(Spec(MetricType::kL2, 4, 32), base, dim, nullptr);
  std::string bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  for (size_t len = 0; len < bytes.size(); len += 7) {
    auto r = LoadHnswIndex(Spec(MetricType::kL2), bytes.substr(0, len), "idx/trunc");
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(r.status().message().find("idx/trunc"), std::string::npos);
  }
  EXPECT_FALSE(LoadHnswIndex(Spec(MetricType::kL2), bytes + "x", "o").ok());
  // Flipped bytes: either detected, or (inside vector values) a loadable index that searches.
  std::mt19937 rng(6);
  size_t detected = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    std::string bad = bytes;
    size_t pos = rng() % bad.size();
    bad[pos] = static_cast<char>(bad[pos] ^ static_cast<char>(1 + rng() % 255));
    auto r = LoadHnswIndex(Spec(MetricType::kL2), bad, "idx/flip");
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
      ++detected;
      continue;
    }
    std::vector<TopK> out;
    ASSERT_TRUE((*r)->Search(base.data(), 3, 5, {}, nullptr, nullptr, &out).ok());
  }
  EXPECT_GT(detected, 0u);
}

TEST(HnswTest, FilterExcludesRowsEvenTheTrueNeighbours) {
  const int64_t n = 5000, dim = 16, nq = 20, k = 10;
  auto base = Clustered(n + nq, dim, 10, 7);
  std::vector<float> queries(base.end() - nq * dim, base.end());
  base.resize(n * dim);
  auto index = MustBuild(Spec(MetricType::kL2), base, dim, nullptr);
  std::vector<TopK> unfiltered;
  ASSERT_TRUE(index->Search(queries.data(), nq, 50, {}, nullptr, nullptr, &unfiltered).ok());
  Bitset allowed(n, true);
  for (const TopK& t : unfiltered) {
    for (int64_t id : t.ids) allowed.Clear(id);
  }
  for (int64_t i = 0; i < n; i += 3) allowed.Clear(i);
  std::vector<TopK> got, truth;
  ASSERT_TRUE(index->Search(queries.data(), nq, k, {{"ef", 100}}, &allowed, nullptr, &got).ok());
  ASSERT_TRUE(SearchFloatFlat(base.data(), n, dim, queries.data(), nq, MetricType::kL2, k, &allowed,
                              nullptr, &truth)
                  .ok());
  for (const TopK& t : got) {
    for (int64_t id : t.ids) {
      ASSERT_GE(id, 0);
      EXPECT_TRUE(allowed.Test(id));
    }
  }
  EXPECT_GE(Recall(got, truth), 0.95);

  // Very few allowed rows: exact answers, k of them when k exist.
  Bitset sparse(n);
  for (int64_t i = 0; i < n; i += 400) sparse.Set(i);
  ASSERT_TRUE(index->Search(queries.data(), nq, k, {}, &sparse, nullptr, &got).ok());
  ASSERT_TRUE(SearchFloatFlat(base.data(), n, dim, queries.data(), nq, MetricType::kL2, k, &sparse,
                              nullptr, &truth)
                  .ok());
  for (size_t q = 0; q < got.size(); ++q) EXPECT_EQ(got[q].ids, truth[q].ids);

  // Nothing allowed: all padding.
  Bitset none(n);
  ASSERT_TRUE(index->Search(queries.data(), 1, 3, {}, &none, nullptr, &got).ok());
  EXPECT_EQ(got[0].ids, std::vector<int64_t>(3, -1));
  sparse.Resize(n - 1);
  EXPECT_FALSE(index->Search(queries.data(), 1, 3, {}, &sparse, nullptr, &got).ok());
}

TEST(HnswTest, KLargerThanRowsPadsAndSingleRowWorks) {
  const int64_t dim = 8;
  auto base = Clustered(5, dim, 2, 9);
  auto index = MustBuild(Spec(MetricType::kIP), base, dim, nullptr);
  std::vector<TopK> got;
  ASSERT_TRUE(index->Search(base.data(), 1, 10, {{"ef", 2}}, nullptr, nullptr, &got).ok());
  std::vector<int64_t> ids(got[0].ids.begin(), got[0].ids.begin() + 5);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  for (int j = 5; j < 10; ++j) {
    EXPECT_EQ(got[0].ids[j], -1);
    EXPECT_EQ(got[0].scores[j], -std::numeric_limits<float>::infinity());
  }

  std::vector<float> one(base.begin(), base.begin() + dim);
  auto single = MustBuild(Spec(MetricType::kL2), one, dim, nullptr);
  ASSERT_TRUE(single->Search(base.data(), 2, 3, {}, nullptr, nullptr, &got).ok());
  EXPECT_EQ(got[0].ids, (std::vector<int64_t>{0, -1, -1}));
  EXPECT_EQ(got[0].scores[0], 0.0f);
  EXPECT_EQ(got[1].ids[0], 0);

  auto empty = MustBuild(Spec(MetricType::kL2), {}, dim, nullptr);
  ASSERT_TRUE(empty->Search(base.data(), 1, 2, {}, nullptr, nullptr, &got).ok());
  EXPECT_EQ(got[0].ids, (std::vector<int64_t>{-1, -1}));
  std::string bytes;
  ASSERT_TRUE(empty->Serialize(&bytes).ok());
  EXPECT_TRUE(LoadHnswIndex(Spec(MetricType::kL2), bytes, "o").ok());
}

TEST(HnswTest, DuplicateVectorsAreAllFound) {
  // Hundreds of exact copies of each vector with a small M: linked naively, every node's links
  // would point at its own copies and the graph would split into one component per distinct
  // vector. Copies share one graph node instead.
  const int64_t dim = 8, copies = 300;
  auto distinct = Clustered(10, dim, 3, 10);
  std::vector<float> base;
  for (int c = 0; c < copies; ++c) base.insert(base.end(), distinct.begin(), distinct.end());
  ThreadPool pool(2);
  auto index = MustBuild(Spec(MetricType::kL2, 4, 40), base, dim, &pool);
  std::vector<TopK> got;
  ASSERT_TRUE(index->Search(distinct.data(), 10, 20, {}, nullptr, nullptr, &got).ok());
  for (int q = 0; q < 10; ++q) {
    for (int j = 0; j < 20; ++j) {
      ASSERT_GE(got[q].ids[j], 0);
      EXPECT_EQ(got[q].ids[j] % 10, q);
      EXPECT_NEAR(got[q].scores[j], 0.0f, 1e-4);  // an exact fallback may round
    }
    // Equal scores come in row order, as exact search returns them.
    EXPECT_EQ(got[q].ids[0], q);
    EXPECT_TRUE(std::is_sorted(got[q].ids.begin(), got[q].ids.end()));
  }
  const std::vector<TopK> plain = got;
  // A filter that keeps only some copies: those come back, the others never.
  Bitset allowed(base.size() / dim, false);
  for (size_t r = 0; r < allowed.size(); r += 7) allowed.Set(r);
  ASSERT_TRUE(index->Search(distinct.data(), 10, 20, {{"ef", 200}}, &allowed, nullptr, &got).ok());
  for (int q = 0; q < 10; ++q) {
    for (int64_t id : got[q].ids) {
      ASSERT_GE(id, 0);
      EXPECT_TRUE(allowed.Test(id));
      EXPECT_EQ(id % 10, q);
    }
  }
  // Range search reaches every copy inside the radius, up to the limit.
  std::vector<RangeHits> hits;
  ASSERT_TRUE(index
                  ->RangeSearch(distinct.data(), 10, RangeParams{1e-3f, std::nullopt}, 1000, {},
                                nullptr, nullptr, &hits)
                  .ok());
  for (int q = 0; q < 10; ++q) {
    ASSERT_EQ(hits[q].ids.size(), static_cast<size_t>(copies));
    for (int64_t id : hits[q].ids) EXPECT_EQ(id % 10, q);
  }
  // The copies survive a round trip, and a corrupt chain is DataLoss.
  std::string bytes;
  ASSERT_TRUE(index->Serialize(&bytes).ok());
  auto loaded = LoadHnswIndex(Spec(MetricType::kL2), bytes, "dups");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<TopK> again;
  ASSERT_TRUE((*loaded)->Search(distinct.data(), 10, 20, {}, nullptr, nullptr, &again).ok());
  for (int q = 0; q < 10; ++q) EXPECT_EQ(again[q].ids, plain[q].ids);
  std::string bad = bytes;
  uint32_t loop = 0;  // row 0's chain pointing back at itself
  std::memcpy(bad.data() + bad.size() - base.size() / dim * 4, &loop, 4);
  EXPECT_EQ(LoadHnswIndex(Spec(MetricType::kL2), bad, "dups").status().code(),
            StatusCode::kDataLoss);
}

TEST(HnswTest, VersionOnePayloadsStillLoad) {
  // Version 1 had no copy chains: the same bytes without the trailing n x u32 array.
  const int64_t n = 500, dim = 8;
  auto base = Clustered(n, dim, 5, 12);
  auto index = MustBuild(Spec(MetricType::kIP, 6, 32), base, dim, nullptr);
  std::string v2;
  ASSERT_TRUE(index->Serialize(&v2).ok());
  std::string v1 = v2.substr(0, v2.size() - n * 4);
  uint32_t version = 1;
  std::memcpy(v1.data() + 4, &version, 4);
  auto loaded = LoadHnswIndex(Spec(MetricType::kIP), v1, "v1");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<TopK> a, b;
  ASSERT_TRUE(index->Search(base.data(), 5, 10, {}, nullptr, nullptr, &a).ok());
  ASSERT_TRUE((*loaded)->Search(base.data(), 5, 10, {}, nullptr, nullptr, &b).ok());
  for (size_t q = 0; q < a.size(); ++q) EXPECT_EQ(a[q].ids, b[q].ids);
  std::string rewritten;
  ASSERT_TRUE((*loaded)->Serialize(&rewritten).ok());
  EXPECT_EQ(rewritten, v2);  // written back as version 2
}

TEST(HnswTest, ACancelledBuildStopsWithCancelled) {
  const int64_t n = 2000, dim = 16;
  std::vector<float> v = Clustered(n, dim, 10, 9);
  VectorData data{v.data(), nullptr, n, dim};
  ThreadPool pool(1);
  std::atomic<bool> cancel{true};
  auto cancelled = BuildHnswIndex(Spec(MetricType::kL2), data, &pool, &cancel);
  EXPECT_EQ(cancelled.status().code(), StatusCode::kCancelled) << cancelled.status().ToString();
  cancel = false;
  auto built = BuildHnswIndex(Spec(MetricType::kL2), data, &pool, &cancel);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ((*built)->size(), n);
}

TEST(HnswTest, BadParametersAreInvalidArgument) {
  auto base = Clustered(50, 4, 2, 11);
  VectorData data{base.data(), nullptr, 50, 4};
  IndexSpec spec = Spec(MetricType::kL2);
  for (auto params : {nlohmann::json{{"M", 1}}, nlohmann::json{{"M", 4096}},
                      nlohmann::json{{"efConstruction", 0}}, nlohmann::json{{"M", "x"}},
                      nlohmann::json{{"M", 1.5}}}) {
    spec.params = params;
    EXPECT_EQ(BuildHnswIndex(spec, data, nullptr).status().code(), StatusCode::kInvalidArgument)
        << params.dump();
  }
  spec.params = {{"M", "8"}, {"efConstruction", "50"}};  // Milvus sends strings too
  EXPECT_TRUE(BuildHnswIndex(spec, data, nullptr).ok());
  EXPECT_FALSE(BuildHnswIndex(Spec(MetricType::kHamming), data, nullptr).ok());
  EXPECT_FALSE(BuildHnswIndex(spec, VectorData{nullptr, nullptr, 50, 4}, nullptr).ok());
  auto index = MustBuild(Spec(MetricType::kL2), base, 4, nullptr);
  std::vector<TopK> out;
  EXPECT_FALSE(index->Search(base.data(), 1, 0, {}, nullptr, nullptr, &out).ok());
  EXPECT_FALSE(index->Search(base.data(), 1, 5, {{"ef", 0}}, nullptr, nullptr, &out).ok());
  EXPECT_FALSE(index->Search(base.data(), 1, 5, {{"ef", "many"}}, nullptr, nullptr, &out).ok());
  EXPECT_TRUE(index->Search(base.data(), 1, 5, {{"ef", 2}}, nullptr, nullptr, &out).ok());
  EXPECT_EQ(out[0].ids.size(), 5u);
}

}  // namespace
// Rows along a line (row i = 10i + d), built on 2 threads: every row must stay reachable, so an
// exhaustive walk (ef = n) finds each row from its own vector. A concurrent insertion can link
// to a node through a level above before the node writes its own links at this level; the
// node used to overwrite those links, which left some rows with no way in.
TEST(HnswTest, ConcurrentBuildKeepsEveryRowReachable) {
  constexpr int64_t kRows = 600, kLineDim = 8;
  std::vector<float> rows;
  for (int64_t i = 0; i < kRows; ++i)
    for (int64_t d = 0; d < kLineDim; ++d) rows.push_back(static_cast<float>(i * 10 + d));
  ThreadPool pool(2);
  for (int build = 0; build < 10; ++build) {
    auto index = MustBuild(Spec(MetricType::kL2), rows, kLineDim, &pool);
    std::vector<TopK> out;
    ASSERT_TRUE(index->Search(rows.data(), kRows, 1, {{"ef", kRows}}, nullptr, nullptr, &out).ok());
    for (int64_t q = 0; q < kRows; ++q)
      ASSERT_EQ(out[static_cast<size_t>(q)].ids[0], q) << "build " << build;
  }
}

}  // namespace strata
