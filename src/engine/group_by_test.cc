// Grouping search through Engine::Search, checked against brute-force grouping of the same rows.
#include "engine/group_by.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "engine/engine.h"
#include "engine/test_collection.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

constexpr int64_t kDim = 8;
constexpr int64_t kRowsPerBatch = 400;
constexpr int64_t kBatches = 5;  // 3 flushed into sealed segments, 2 left growing
constexpr int64_t kCrowd = 300;  // rows of category 0 right next to the queries

CollectionSchema Schema() {
  CollectionSchema s;
  s.name = "c";
  auto add = [&](const char* name, DataType type) {
    FieldSchema f;
    f.name = name;
    f.type = type;
    s.fields.push_back(f);
    return &s.fields.back();
  };
  add("id", DataType::kInt64)->is_primary_key = true;
  add("category", DataType::kInt64);
  add("tag", DataType::kVarChar)->max_length = 8;
  add("flag", DataType::kBool);
  add("price", DataType::kFloat);
  add("vec", DataType::kFloatVector)->dim = kDim;
  add("shade", DataType::kInt64)->nullable = true;  // null groups together
  return s;
}

// Small integer coordinates keep squared L2 distances exact in float, so the brute force below
// and the engine agree bit for bit and ties are broken by primary key on both sides.
struct Row {
  int64_t id;
  int64_t category;
  std::string tag;
  bool flag;
  std::vector<float> vec;
  std::optional<int64_t> shade;
};

std::vector<float> Query(int64_t q) {
  std::vector<float> v(kDim, 0.0f);
  v[q % kDim] = 3.0f;
  return v;
}

std::vector<Row> MakeRows() {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> coord(-6, 6), category(0, 39), tag(0, 14);
  std::vector<Row> rows;
  for (int64_t id = 0; id < kRowsPerBatch * kBatches; ++id) {
    Row r{id, category(rng), "t" + std::to_string(tag(rng)), id % 2 == 0, {}, std::nullopt};
    if (id % 3 != 0) r.shade = id % 4;  // the crowd below (ids divisible by 6) is null
    if (id % (kRowsPerBatch * kBatches / kCrowd) == 0 &&
        id / (kRowsPerBatch * kBatches / kCrowd) < kCrowd) {
      // Category 0 and tag "t0" crowd the top of every query: a copy of a query, one step off.
      r.category = 0;
      r.tag = "t0";
      const int64_t n = id / (kRowsPerBatch * kBatches / kCrowd);
      r.vec = Query(n % 3);
      r.vec[(n / 3) % kDim] += static_cast<float>((n / 24) % 3) - 1.0f;
    } else {
      for (int64_t d = 0; d < kDim; ++d) r.vec.push_back(static_cast<float>(coord(rng)));
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

RowBatch Batch(const std::vector<Row>& rows, int64_t begin, int64_t end) {
  RowBatch b;
  b.num_rows = end - begin;
  b.columns.emplace_back(100, DataType::kInt64);
  b.columns.emplace_back(101, DataType::kInt64);
  b.columns.emplace_back(102, DataType::kVarChar);
  b.columns.emplace_back(103, DataType::kBool);
  b.columns.emplace_back(104, DataType::kFloat);
  b.columns.emplace_back(105, DataType::kFloatVector, kDim);
  b.columns.emplace_back(106, DataType::kInt64, 0, /*nullable=*/true);
  for (int64_t i = begin; i < end; ++i) {
    b.columns[0].values<int64_t>().push_back(rows[i].id);
    b.columns[1].values<int64_t>().push_back(rows[i].category);
    b.columns[2].values<std::string>().push_back(rows[i].tag);
    b.columns[3].values<uint8_t>().push_back(rows[i].flag);
    b.columns[4].values<float>().push_back(0.5f);
    auto& vec = b.columns[5].values<float>();
    vec.insert(vec.end(), rows[i].vec.begin(), rows[i].vec.end());
    b.columns[6].values<int64_t>().push_back(rows[i].shade.value_or(0));
    b.columns[6].validity().push_back(rows[i].shade.has_value());
  }
  return b;
}

float L2(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (int64_t d = 0; d < kDim; ++d) s += (a[d] - b[d]) * (a[d] - b[d]);
  return s;
}

// The expected ids of one query: rows passing `keep`, best first (distance, then id), grouped
// by `group_of`, groups offset+1 .. offset+limit with at most group_size hits each.
template <typename Keep, typename GroupOf>
std::vector<int64_t> BruteForce(const std::vector<Row>& rows, const std::vector<float>& query,
                                Keep keep, GroupOf group_of, int64_t limit, int64_t offset,
                                int64_t group_size) {
  std::vector<std::pair<float, int64_t>> order;
  for (const Row& r : rows)
    if (keep(r)) order.push_back({L2(r.vec, query), r.id});
  std::sort(order.begin(), order.end());
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<int64_t>> members;
  for (const auto& [dist, id] : order) {
    std::string g = group_of(rows[id]);
    if (!members.count(g)) {
      if (static_cast<int64_t>(group_order.size()) == offset + limit) continue;
      group_order.push_back(g);
    }
    if (static_cast<int64_t>(members[g].size()) < group_size) members[g].push_back(id);
  }
  std::vector<int64_t> out;
  for (size_t i = offset; i < group_order.size(); ++i)
    out.insert(out.end(), members[group_order[i]].begin(), members[group_order[i]].end());
  return out;
}

class GroupByTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = OpenTestEngine(&store_);
    ASSERT_NE(engine_, nullptr);
    ASSERT_TRUE(engine_->CreateCollection(Schema(), {}, 0, 1).ok());
    rows_ = MakeRows();
    for (int64_t b = 0; b < kBatches; ++b) {
      ASSERT_TRUE(
          engine_->Insert("c", "", Batch(rows_, b * kRowsPerBatch, (b + 1) * kRowsPerBatch)).ok());
      if (b < 3) {
        ASSERT_TRUE(engine_->Flush("c").ok());
      }
    }
    ASSERT_TRUE(engine_->Load("c").ok());
    // Deleted rows include crowd rows at the very top.
    DeleteRequest d;
    d.collection = "c";
    d.filter = "id in [0, 6, 13, 1999, 1500]";
    ASSERT_TRUE(engine_->Delete(d).ok());
    deleted_ = {0, 6, 13, 1999, 1500};
  }

  SearchRequest Request(const std::string& group_field, int64_t limit, int64_t group_size) {
    SearchRequest r;
    r.collection = "c";
    r.nq = 3;
    for (int64_t q = 0; q < r.nq; ++q) {
      auto v = Query(q);
      r.float_queries.insert(r.float_queries.end(), v.begin(), v.end());
    }
    r.limit = limit;
    r.group_by_field = group_field;
    r.group_size = group_size;
    r.output_fields = {group_field};
    return r;
  }

  // Runs `req` and compares every query with the brute force, also checking that the group
  // values returned beside the hits are the hits' own values.
  template <typename Keep>
  void ExpectExact(const SearchRequest& req, Keep keep) {
    auto result = engine_->Search(req);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    const std::string& field = req.group_by_field;
    auto group_of = [&](const Row& r) {
      if (field == "shade") return r.shade ? std::to_string(*r.shade) : std::string("null");
      return field == "tag"    ? r.tag
             : field == "flag" ? std::to_string(r.flag)
             : field == "id"   ? std::to_string(r.id)
                               : std::to_string(r.category);
    };
    // The value the result carries beside each hit, in the same spelling.
    auto value_at = [&](size_t i) {
      const Column& values = result->group_by_values;
      if (values.IsNull(static_cast<int64_t>(i))) return std::string("null");
      return field == "tag"    ? values.values<std::string>()[i]
             : field == "flag" ? std::to_string(values.values<uint8_t>()[i])
                               : std::to_string(values.values<int64_t>()[i]);
    };
    auto live = [&](const Row& r) { return !deleted_.count(r.id) && keep(r); };
    const auto& ids = result->ids.values<int64_t>();
    ASSERT_EQ(result->group_by_field, req.group_by_field);
    ASSERT_EQ(result->group_by_values.size(), static_cast<int64_t>(ids.size()));
    size_t at = 0;
    for (int64_t q = 0; q < req.nq; ++q) {
      SCOPED_TRACE("query " + std::to_string(q));
      auto expected =
          BruteForce(rows_, Query(q), live, group_of, req.limit, req.offset, req.group_size);
      std::vector<int64_t> got(ids.begin() + at, ids.begin() + at + result->topks[q]);
      EXPECT_EQ(got, expected);
      for (size_t i = at; i < at + result->topks[q]; ++i)
        EXPECT_EQ(value_at(i), group_of(rows_[ids[i]]));
      at += result->topks[q];
    }
  }

  MemoryObjectStore store_;
  std::unique_ptr<Engine> engine_;
  std::vector<Row> rows_;
  std::set<int64_t> deleted_;
};

auto kAll = [](const Row&) { return true; };

TEST_F(GroupByTest, ExactWithoutIndexMatchesBruteForce) {
  // Naive top-k then dedupe would see only category 0 in the first 300 hits.
  ExpectExact(Request("category", 10, 1), kAll);
  ExpectExact(Request("category", 40, 1), kAll);  // every group
  ExpectExact(Request("category", 60, 1), kAll);  // more groups asked than exist
  ExpectExact(Request("tag", 5, 3), kAll);
  ExpectExact(Request("category", 8, 4), kAll);
  auto with_offset = Request("category", 5, 2);
  with_offset.offset = 3;
  ExpectExact(with_offset, kAll);
  auto filtered = Request("tag", 6, 2);
  filtered.filter = "id >= 150 and flag == true";
  ExpectExact(filtered, [](const Row& r) { return r.id >= 150 && r.flag; });
  ExpectExact(Request("id", 7, 1), kAll);  // grouping by the primary key: plain top-k
  // Two groups, one of them crowding the top: the other is far down the ranking.
  ExpectExact(Request("flag", 2, 5), kAll);
  ExpectExact(Request("flag", 3, 2), kAll);
  // Null values of a nullable field form one group of their own.
  ExpectExact(Request("shade", 5, 1), kAll);
  ExpectExact(Request("shade", 3, 4), kAll);
  auto not_null = Request("shade", 4, 2);
  not_null.filter = "shade is not null";
  ExpectExact(not_null, [](const Row& r) { return r.shade.has_value(); });
}

TEST_F(GroupByTest, FlatIndexIsExactAndHnswGivesDistinctGroups) {
  ASSERT_TRUE(
      engine_->CreateIndex("c", "vec", "", {{"index_type", "FLAT"}, {"metric_type", "L2"}}).ok());
  engine_->WaitForIndexBuilds();
  ExpectExact(Request("category", 10, 1), kAll);
  ExpectExact(Request("tag", 4, 3), kAll);

  ASSERT_TRUE(engine_->Release("c").ok());
  ASSERT_TRUE(engine_->DropIndex("c", "vec", "").ok());
  ASSERT_TRUE(
      engine_->CreateIndex("c", "vec", "", {{"index_type", "HNSW"}, {"metric_type", "L2"}}).ok());
  engine_->WaitForIndexBuilds();
  ASSERT_TRUE(engine_->Load("c").ok());
  auto req = Request("category", 12, 2);
  auto result = engine_->Search(req);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  size_t at = 0;
  for (int64_t q = 0; q < req.nq; ++q) {
    std::map<int64_t, int64_t> per_group;
    std::vector<int64_t> order;
    for (size_t i = at; i < at + result->topks[q]; ++i) {
      int64_t g = result->group_by_values.values<int64_t>()[i];
      if (!per_group.count(g)) order.push_back(g);
      ++per_group[g];
      ASSERT_FALSE(deleted_.count(result->ids.values<int64_t>()[i]));
    }
    EXPECT_EQ(order.size(), 12u);
    for (const auto& [g, n] : per_group) EXPECT_LE(n, 2);
    EXPECT_EQ(order.front(), 0) << "the crowded category holds the nearest rows";
    at += result->topks[q];
  }
}

TEST_F(GroupByTest, BadRequestsNameTheProblem) {
  auto expect_error = [&](SearchRequest req, const std::string& words) {
    auto result = engine_->Search(req);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(result.status().message().find(words), std::string::npos)
        << result.status().ToString();
  };
  expect_error(Request("price", 5, 1), "'price' is Float");
  expect_error(Request("vec", 5, 1), "'vec' is FloatVector");
  expect_error(Request("nope", 5, 1), "'nope' not found");
  expect_error(Request("category", 5, 11), "group_size");
  auto range = Request("category", 5, 1);
  range.search_params = {{"radius", 100.0}};
  expect_error(range, "range-search");
}

}  // namespace
}  // namespace strata
