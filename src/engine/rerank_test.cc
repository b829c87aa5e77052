// Hybrid search: the rankers on their own, then Engine::HybridSearch against a brute-force
// computation of the same fusion over the same rows.
#include "engine/rerank.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <random>

#include "engine/engine.h"
#include "engine/test_collection.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

// Rows are (chunk 0, row = id), so the tie order is the id order.
bool ById(const ScoredRow& a, const ScoredRow& b) { return a.row < b.row; }

std::vector<int64_t> Rows(const std::vector<ScoredRow>& hits) {
  std::vector<int64_t> out;
  for (const ScoredRow& h : hits) out.push_back(h.row);
  return out;
}

TEST(FuseRankingsTest, RrfSumsOneOverKPlusRankOverTheListsThatHoldARow) {
  std::vector<ScoredRow> a = {{0.1f, 0, 7}, {0.2f, 0, 3}, {0.9f, 0, 5}};
  std::vector<ScoredRow> b = {{0.8f, 0, 5}, {0.7f, 0, 9}};
  Ranker rrf;
  rrf.rrf_k = 10;
  auto fused = FuseRankings(rrf, {MetricType::kL2, MetricType::kIP}, {&a, &b}, ById);
  // 5: 1/13 + 1/11; 7: 1/11; 9: 1/12; 3: 1/12 (3 before 9 by id).
  ASSERT_EQ(Rows(fused), (std::vector<int64_t>{5, 7, 3, 9}));
  EXPECT_FLOAT_EQ(fused[0].score, static_cast<float>(1.0 / 13 + 1.0 / 11));
  EXPECT_FLOAT_EQ(fused[1].score, static_cast<float>(1.0 / 11));
  EXPECT_FLOAT_EQ(fused[3].score, static_cast<float>(1.0 / 12));
}

TEST(FuseRankingsTest, WeightedMapsEachMetricIntoZeroOneWithCloserHigher) {
  EXPECT_DOUBLE_EQ(NormalizeScore(MetricType::kCosine, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(NormalizeScore(MetricType::kCosine, -1.0), 0.0);
  EXPECT_DOUBLE_EQ(NormalizeScore(MetricType::kIP, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(NormalizeScore(MetricType::kL2, 0.0), 1.0);
  EXPECT_GT(NormalizeScore(MetricType::kL2, 1.0), NormalizeScore(MetricType::kL2, 2.0));
  EXPECT_GT(NormalizeScore(MetricType::kIP, 2.0), NormalizeScore(MetricType::kIP, 1.0));
  EXPECT_GT(NormalizeScore(MetricType::kHamming, 3.0), NormalizeScore(MetricType::kHamming, 4.0));

  std::vector<ScoredRow> l2 = {{1.0f, 0, 1}, {4.0f, 0, 2}};
  std::vector<ScoredRow> ip = {{3.0f, 0, 2}, {-1.0f, 0, 1}};
  Ranker weighted;
  weighted.kind = Ranker::Kind::kWeighted;
  weighted.weights = {0.25, 0.75};
  auto fused = FuseRankings(weighted, {MetricType::kL2, MetricType::kIP}, {&l2, &ip}, ById);
  double one = 0.25 * (1 - 2 * std::atan(1.0) / std::numbers::pi) +
               0.75 * (0.5 + std::atan(-1.0) / std::numbers::pi);
  double two = 0.25 * (1 - 2 * std::atan(4.0) / std::numbers::pi) +
               0.75 * (0.5 + std::atan(3.0) / std::numbers::pi);
  ASSERT_EQ(Rows(fused), (std::vector<int64_t>{2, 1}));
  EXPECT_FLOAT_EQ(fused[0].score, static_cast<float>(two));
  EXPECT_FLOAT_EQ(fused[1].score, static_cast<float>(one));

  weighted.normalize = false;  // raw scores, weighted
  fused = FuseRankings(weighted, {MetricType::kL2, MetricType::kIP}, {&l2, &ip}, ById);
  EXPECT_FLOAT_EQ(fused[0].score, static_cast<float>(0.25 * 4 + 0.75 * 3));
}

TEST(ValidateRankerTest, RefusesWhatMilvusRefuses) {
  Ranker r;
  EXPECT_TRUE(ValidateRanker(r, 2).ok());
  r.rrf_k = 0;
  EXPECT_EQ(ValidateRanker(r, 2).message(), "The rank params k should be in range (0, 16384)");
  r.rrf_k = 16384;
  EXPECT_FALSE(ValidateRanker(r, 2).ok());
  Ranker w;
  w.kind = Ranker::Kind::kWeighted;
  w.weights = {0.5};
  EXPECT_EQ(ValidateRanker(w, 2).message(),
            "the length of weights param mismatch with ann search requests: expected=2, actual=1");
  w.weights = {0.5, 1.5};
  EXPECT_EQ(ValidateRanker(w, 2).message(), "rank param weight should be in range [0, 1]");
  w.weights = {0, 1};
  EXPECT_TRUE(ValidateRanker(w, 2).ok());
}

// Two vector fields: `a` searched by L2, `b` by IP, small integer coordinates so every
// distance is exact in float and the brute force below agrees bit for bit.
constexpr int64_t kDim = 4;
constexpr int64_t kRows = 900;

CollectionSchema Schema() {
  CollectionSchema s;
  s.name = "h";
  auto add = [&](const char* name, DataType type) {
    FieldSchema f;
    f.name = name;
    f.type = type;
    s.fields.push_back(f);
    return &s.fields.back();
  };
  add("id", DataType::kInt64)->is_primary_key = true;
  add("kind", DataType::kInt64);
  add("a", DataType::kFloatVector)->dim = kDim;
  add("b", DataType::kFloatVector)->dim = kDim;
  return s;
}

struct Row {
  int64_t id;
  int64_t kind;
  std::vector<float> a, b;
};

float L2(const std::vector<float>& x, const float* y) {
  float s = 0;
  for (int64_t d = 0; d < kDim; ++d) s += (x[d] - y[d]) * (x[d] - y[d]);
  return s;
}
float Ip(const std::vector<float>& x, const float* y) {
  float s = 0;
  for (int64_t d = 0; d < kDim; ++d) s += x[d] * y[d];
  return s;
}

class HybridSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = OpenTestEngine(&store_);
    ASSERT_NE(engine_, nullptr);
    ASSERT_TRUE(engine_->CreateCollection(Schema(), {}, 0, 1).ok());
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> coord(-5, 5);
    for (int64_t id = 0; id < kRows; ++id) {
      Row r{id, id % 3, {}, {}};
      for (int64_t d = 0; d < kDim; ++d) r.a.push_back(static_cast<float>(coord(rng)));
      for (int64_t d = 0; d < kDim; ++d) r.b.push_back(static_cast<float>(coord(rng)));
      rows_.push_back(r);
    }
    // Two sealed segments and a growing one.
    for (int64_t part = 0; part < 3; ++part) {
      RowBatch b;
      b.num_rows = kRows / 3;
      b.columns.emplace_back(100, DataType::kInt64);
      b.columns.emplace_back(101, DataType::kInt64);
      b.columns.emplace_back(102, DataType::kFloatVector, kDim);
      b.columns.emplace_back(103, DataType::kFloatVector, kDim);
      for (int64_t i = part * kRows / 3; i < (part + 1) * kRows / 3; ++i) {
        b.columns[0].values<int64_t>().push_back(rows_[i].id);
        b.columns[1].values<int64_t>().push_back(rows_[i].kind);
        auto& a = b.columns[2].values<float>();
        a.insert(a.end(), rows_[i].a.begin(), rows_[i].a.end());
        auto& bb = b.columns[3].values<float>();
        bb.insert(bb.end(), rows_[i].b.begin(), rows_[i].b.end());
      }
      ASSERT_TRUE(engine_->Insert("h", "", std::move(b)).ok());
      if (part < 2) {
        ASSERT_TRUE(engine_->Flush("h").ok());
      }
    }
    ASSERT_TRUE(engine_->Load("h").ok());
  }

  // nq queries on field `field` ("a" L2 or "b" IP), top-k `topk`, with `filter`.
  SearchRequest Sub(const std::string& field, int64_t topk, const std::string& filter) {
    SearchRequest s;
    s.anns_field = field;
    s.metric = field == "a" ? "L2" : "IP";
    s.filter = filter;
    s.nq = kNq;
    for (int64_t q = 0; q < kNq; ++q)
      for (int64_t d = 0; d < kDim; ++d)
        s.float_queries.push_back(static_cast<float>((q * 3 + d * (field == "a" ? 1 : 2)) % 7 - 3));
    s.limit = topk;
    return s;
  }

  // One sub-search by brute force: ids best first (score, then id) of the rows that `keep`.
  template <typename Keep>
  std::vector<std::pair<double, int64_t>> Exact(const SearchRequest& s, int64_t q, Keep keep) {
    std::vector<std::pair<float, int64_t>> order;
    const float* query = s.float_queries.data() + q * kDim;
    for (const Row& r : rows_) {
      if (!keep(r)) continue;
      order.push_back({s.anns_field == "a" ? L2(r.a, query) : -Ip(r.b, query), r.id});
    }
    std::sort(order.begin(), order.end());
    order.resize(std::min<size_t>(order.size(), s.limit));
    std::vector<std::pair<double, int64_t>> out;
    for (auto [score, id] : order) out.push_back({s.anns_field == "a" ? score : -score, id});
    return out;
  }

  static constexpr int64_t kNq = 4;
  MemoryObjectStore store_;
  std::unique_ptr<Engine> engine_;
  std::vector<Row> rows_;
};

TEST_F(HybridSearchTest, RrfAndWeightedMatchTheBruteForceFusion) {
  for (Ranker::Kind kind : {Ranker::Kind::kRrf, Ranker::Kind::kWeighted}) {
    HybridSearchRequest req;
    req.collection = "h";
    req.searches = {Sub("a", 20, ""), Sub("b", 30, "kind == 1")};
    req.ranker.kind = kind;
    req.ranker.rrf_k = 60;
    req.ranker.weights = {0.3, 0.9};
    req.limit = 7;
    req.offset = 2;
    req.output_fields = {"kind"};
    auto result = engine_->HybridSearch(req);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->nq, kNq);
    size_t at = 0;
    for (int64_t q = 0; q < kNq; ++q) {
      auto first = Exact(req.searches[0], q, [](const Row&) { return true; });
      auto second = Exact(req.searches[1], q, [](const Row& r) { return r.kind == 1; });
      std::map<int64_t, double> fused;
      for (size_t i = 0; i < first.size(); ++i)
        fused[first[i].second] += kind == Ranker::Kind::kRrf
                                      ? 1.0 / (60 + i + 1)
                                      : 0.3 * NormalizeScore(MetricType::kL2, first[i].first);
      for (size_t i = 0; i < second.size(); ++i)
        fused[second[i].second] += kind == Ranker::Kind::kRrf
                                       ? 1.0 / (60 + i + 1)
                                       : 0.9 * NormalizeScore(MetricType::kIP, second[i].first);
      std::vector<std::pair<double, int64_t>> order;
      for (auto [id, score] : fused) order.push_back({-score, id});
      std::sort(order.begin(), order.end());
      ASSERT_EQ(result->topks[q], 7);
      for (int64_t j = 0; j < 7; ++j, ++at) {
        const auto& [neg_score, id] = order[2 + j];
        EXPECT_EQ(result->ids.values<int64_t>()[at], id) << "query " << q << " hit " << j;
        EXPECT_FLOAT_EQ(result->scores[at], static_cast<float>(-neg_score));
        const Column* kinds = result->fields.FindColumn(101);
        ASSERT_NE(kinds, nullptr);
        EXPECT_EQ(kinds->values<int64_t>()[at], rows_[id].kind);
      }
    }
  }
}

TEST_F(HybridSearchTest, RefusesMismatchedQueriesGroupingAndBadWindows) {
  HybridSearchRequest req;
  req.collection = "h";
  req.searches = {Sub("a", 5, ""), Sub("b", 5, "")};
  req.searches[1].nq = 2;
  req.searches[1].float_queries.resize(2 * kDim);
  EXPECT_EQ(engine_->HybridSearch(req).status().message(),
            "sub search request nq should be the same: expected=4, actual=2");
  req.searches = {Sub("a", 5, ""), Sub("b", 5, "")};
  req.searches[1].group_by_field = "kind";
  EXPECT_EQ(engine_->HybridSearch(req).status().message(),
            "not support search_group_by operation in the hybrid search");
  req.searches[1].group_by_field.clear();
  req.limit = 16384;
  req.offset = 1;
  EXPECT_EQ(engine_->HybridSearch(req).status().code(), StatusCode::kInvalidArgument);
  req.limit = 5;
  req.offset = 0;
  req.searches.clear();
  EXPECT_EQ(engine_->HybridSearch(req).status().code(), StatusCode::kInvalidArgument);
  req.searches = {Sub("a", 5, ""), Sub("b", 5, "")};
  req.searches[0].metric = "IP";  // no index: any float metric works on its own
  EXPECT_TRUE(engine_->HybridSearch(req).ok());
  req.searches[1].filter = "nosuch > 1";
  EXPECT_EQ(engine_->HybridSearch(req).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace strata
