#include "engine/partition_key.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/checksum.h"
#include "engine/engine.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

constexpr int64_t kDim = 4;
constexpr int64_t kColors = 20;

// id (pk), color (VarChar partition key), n (Int64), vec. With `int_key` the key is n instead.
CollectionSchema KeySchema(const std::string& name, bool int_key) {
  CollectionSchema s;
  s.name = name;
  FieldSchema id;
  id.name = "id";
  id.type = DataType::kInt64;
  id.is_primary_key = true;
  FieldSchema color;
  color.name = "color";
  color.type = DataType::kVarChar;
  color.max_length = 16;
  color.is_partition_key = !int_key;
  FieldSchema n;
  n.name = "n";
  n.type = DataType::kInt64;
  n.is_partition_key = int_key;
  FieldSchema vec;
  vec.name = "vec";
  vec.type = DataType::kFloatVector;
  vec.dim = kDim;
  s.fields = {id, color, n, vec};
  return s;
}

std::string ColorOf(int64_t id) { return "c" + std::to_string(id % kColors); }

// Rows [first, first + count): color c{id % 20}, n = id % 20, vectors spread by id.
RowBatch Rows(int64_t first, int64_t count, const std::string& color_override = "") {
  RowBatch b;
  b.num_rows = count;
  b.columns.emplace_back(100, DataType::kInt64);
  b.columns.emplace_back(101, DataType::kVarChar);
  b.columns.emplace_back(102, DataType::kInt64);
  b.columns.emplace_back(103, DataType::kFloatVector, kDim);
  for (int64_t id = first; id < first + count; ++id) {
    b.columns[0].values<int64_t>().push_back(id);
    b.columns[1].values<std::string>().push_back(color_override.empty() ? ColorOf(id)
                                                                        : color_override);
    b.columns[2].values<int64_t>().push_back(id % kColors);
    for (int64_t d = 0; d < kDim; ++d)
      b.columns[3].values<float>().push_back(static_cast<float>((id * 7 + d * 3) % 101));
  }
  return b;
}

std::unique_ptr<Engine> OpenEngine(ObjectStore* store) {
  auto engine = Engine::Open({store, "", 2, {}, {}});
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(engine).value();
}

std::vector<int64_t> Ids(Engine& engine, const std::string& collection, const std::string& filter) {
  QueryRequest q;
  q.collection = collection;
  q.filter = filter;
  q.output_fields = {"id"};
  auto result = engine.Query(q);
  EXPECT_TRUE(result.ok()) << filter << ": " << result.status().ToString();
  if (!result.ok()) return {};
  auto ids = result->fields.FindColumn(100)->values<int64_t>();
  std::sort(ids.begin(), ids.end());
  return ids;
}

int64_t Count(Engine& engine, const std::string& collection, const std::string& filter) {
  QueryRequest q;
  q.collection = collection;
  q.filter = filter;
  q.output_fields = {"count(*)"};
  auto result = engine.Query(q);
  EXPECT_TRUE(result.ok()) << filter << ": " << result.status().ToString();
  return result.ok() ? result->count : -1;
}

// Hits (id, score) of a 10-NN search from the vector of row 0.
std::vector<std::pair<int64_t, float>> Hits(Engine& engine, const std::string& collection,
                                            const std::string& filter) {
  SearchRequest r;
  r.collection = collection;
  r.nq = 1;
  r.limit = 10;
  r.filter = filter;
  for (int64_t d = 0; d < kDim; ++d) r.float_queries.push_back(static_cast<float>(d * 3 % 101));
  auto result = engine.Search(r);
  EXPECT_TRUE(result.ok()) << filter << ": " << result.status().ToString();
  std::vector<std::pair<int64_t, float>> out;
  if (!result.ok()) return out;
  for (size_t i = 0; i < result->scores.size(); ++i)
    out.emplace_back(result->ids.values<int64_t>()[i], result->scores[i]);
  return out;
}

std::vector<int64_t> Expected(int64_t rows, const std::vector<std::string>& colors) {
  std::vector<int64_t> out;
  for (int64_t id = 0; id < rows; ++id)
    if (std::find(colors.begin(), colors.end(), ColorOf(id)) != colors.end()) out.push_back(id);
  return out;
}

TEST(PartitionKeyTest, HashIsXxh3OfLittleEndianBytesAndStable) {
  const uint8_t le[8] = {0x2a, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(PartitionKeyHash(int64_t{42}), Checksum64(le, 8));
  EXPECT_EQ(PartitionKeyHash(std::string_view("red")), Checksum64("red", 3));
  // Golden values: routing is durable (sealed segments sit in the partition a key hashed to).
  EXPECT_EQ(PartitionKeyHash(int64_t{42}), uint64_t{15395265915043915720ULL});
  EXPECT_EQ(PartitionKeyHash(std::string_view("red")), uint64_t{7471995151418550101ULL});
  EXPECT_EQ(PartitionKeyHash(int64_t{-1}), Checksum64(std::string(8, '\xff')));
  EXPECT_EQ(KeyPartitionName(3), "_default_3");
}

TEST(PartitionKeyTest, PartitionCountRules) {
  CollectionSchema keyed = KeySchema("k", false);
  ASSERT_TRUE(ValidateSchema(keyed).ok());
  CollectionSchema plain = keyed;
  plain.fields[1].is_partition_key = false;
  EXPECT_EQ(*KeyPartitionCount(keyed, 0), kDefaultKeyPartitions);
  EXPECT_EQ(*KeyPartitionCount(keyed, 8), 8);
  EXPECT_EQ(*KeyPartitionCount(keyed, kMaxPartitions), kMaxPartitions);
  EXPECT_NE(KeyPartitionCount(keyed, kMaxPartitions + 1).status().message().find("exceeds max"),
            std::string_view::npos);
  EXPECT_EQ(KeyPartitionCount(keyed, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*KeyPartitionCount(plain, 0), 0);
  EXPECT_EQ(KeyPartitionCount(plain, 4).status().message(),
            "num_partitions should only be specified with partition key field enabled");
}

TEST(PartitionKeyTest, RoutesRowsPrunesReadsAndSurvivesFlushAndRestart) {
  MemoryObjectStore store;
  constexpr int64_t kRows = 600;
  const std::vector<std::string> one = {"c3"}, some = {"c1", "c7", "c12"};
  auto check_reads = [&](Engine& engine) {
    // Pruned (== / in in the top-level AND) and unpruned (negated) forms of the same filters.
    EXPECT_EQ(Ids(engine, "k", R"(color == "c3")"), Expected(kRows, one));
    EXPECT_EQ(Ids(engine, "k", R"(not (color != "c3"))"), Expected(kRows, one));
    EXPECT_EQ(Ids(engine, "k", R"(id >= 0 and color in ["c1", "c7", "c12", "zz"])"),
              Expected(kRows, some));
    EXPECT_EQ(Ids(engine, "k", R"(color == "c1" or color == "c7" or color == "c12")"),
              Expected(kRows, some));
    EXPECT_EQ(Count(engine, "k", R"(color in ["c1", "c7", "c12"])"),
              static_cast<int64_t>(Expected(kRows, some).size()));
    EXPECT_EQ(Count(engine, "k", R"(color == "c3" and color == "c1")"), 0);
    EXPECT_EQ(Hits(engine, "k", R"(color in ["c1", "c7", "c12"])"),
              Hits(engine, "k", R"(not (color not in ["c1", "c7", "c12"]))"));
    EXPECT_EQ(Hits(engine, "k", R"(color == "c3")").size(), 10u);
    EXPECT_EQ(Count(engine, "k", ""), kRows);
    for (int64_t c = 0; c < kColors; ++c)  // every value, so every non-empty partition
      EXPECT_EQ(Ids(engine, "k", "color == \"c" + std::to_string(c) + "\""),
                Expected(kRows, {ColorOf(c)}));
  };
  std::map<int64_t, int64_t> expected_rows;  // by partition id
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(KeySchema("k", false), {}, 0, 1, 8).ok());
    auto partitions = engine->ShowPartitions("k");
    ASSERT_TRUE(partitions.ok());
    ASSERT_EQ(partitions->size(), 8u);
    for (size_t i = 0; i < 8; ++i)
      EXPECT_EQ((*partitions)[i].meta.name, KeyPartitionName(static_cast<int64_t>(i)));
    auto meta = engine->DescribeCollection("k");
    auto router = PartitionRouter::FromMeta(*meta);
    ASSERT_TRUE(router.ok()) << router.status().ToString();

    ASSERT_TRUE(engine->Load("k").ok());
    ASSERT_TRUE(engine->Insert("k", "", Rows(0, 400)).ok());
    ASSERT_TRUE(engine->Flush("k").ok());
    ASSERT_TRUE(engine->Insert("k", "", Rows(400, 200)).ok());  // stays in the WAL
    for (int64_t id = 0; id < kRows; ++id) ++expected_rows[router->PartitionOf(ColorOf(id))];
    EXPECT_GT(expected_rows.size(), 1u);
    for (const auto& p : *partitions)
      EXPECT_EQ(*engine->PartitionRowCount("k", p.meta.name), expected_rows[p.meta.partition_id])
          << p.meta.name;

    // Pruning picks exactly the partitions the values hash to.
    auto pruned = [&](const std::string& filter) {
      auto plan = expr::ParseFilter(filter, meta->schema);
      EXPECT_TRUE(plan.ok()) << plan.status().ToString();
      return router->Prune(**plan);
    };
    EXPECT_EQ(pruned(R"(color == "c3" and n > 1)"),
              (std::set<int64_t>{router->PartitionOf(std::string_view("c3"))}));
    std::set<int64_t> of_some;
    for (const auto& c : some) of_some.insert(router->PartitionOf(std::string_view(c)));
    EXPECT_EQ(pruned(R"(color in ["c1", "c7", "c12"])"), of_some);
    EXPECT_EQ(pruned(R"(color in [])"), std::set<int64_t>{});
    for (int64_t c = 0; c < kColors; ++c)
      EXPECT_EQ(pruned("color == \"" + ColorOf(c) + "\""),
                (std::set<int64_t>{router->PartitionOf(std::string_view(ColorOf(c)))}));
    EXPECT_FALSE(pruned(R"(color == "c3" or n > 1)").has_value());
    EXPECT_FALSE(pruned(R"(color like "c3%")").has_value());
    check_reads(*engine);
  }
  auto engine = OpenEngine(&store);  // sealed segments + WAL replay split by key again
  auto partitions = engine->ShowPartitions("k");
  ASSERT_TRUE(partitions.ok());
  for (const auto& p : *partitions)
    EXPECT_EQ(*engine->PartitionRowCount("k", p.meta.name), expected_rows[p.meta.partition_id]);
  check_reads(*engine);
}

TEST(PartitionKeyTest, UpsertMovesRowsAndDeletesSpanPartitions) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(KeySchema("k", false), {}, 0, 1, 8).ok());
    ASSERT_TRUE(engine->Load("k").ok());
    ASSERT_TRUE(engine->Insert("k", "", Rows(0, 100)).ok());
    ASSERT_TRUE(engine->Flush("k").ok());
    // Row 3 (c3) becomes "moved"; row 200 is new.
    RowBatch batch = Rows(3, 1, "moved");
    batch.Append(Rows(200, 1, "moved"));
    ASSERT_TRUE(engine->Upsert("k", "", batch).ok());
    EXPECT_EQ(Ids(*engine, "k", R"(color == "moved")"), (std::vector<int64_t>{3, 200}));
    EXPECT_EQ(Count(*engine, "k", "id == 3"), 1);
    EXPECT_EQ(Count(*engine, "k", R"(color == "c3")"), 4);  // 23, 43, 63, 83
    DeleteRequest del;
    del.collection = "k";
    del.filter = R"(color in ["c5", "moved"])";
    auto deleted = engine->Delete(del);
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(deleted->ids.size(), 7);  // 5, 25, 45, 65, 85, 3, 200
    EXPECT_EQ(Count(*engine, "k", ""), 94);
  }
  auto engine = OpenEngine(&store);
  EXPECT_EQ(Count(*engine, "k", ""), 94);
  EXPECT_EQ(Count(*engine, "k", R"(color == "c3")"), 4);
  EXPECT_EQ(Count(*engine, "k", "id in [3, 5, 200]"), 0);
}

TEST(PartitionKeyTest, Int64KeyDefaultsTo16PartitionsAndRefusesPartitionNames) {
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(KeySchema("k", true), {}, 0, 1).ok());
  EXPECT_EQ(engine->ShowPartitions("k")->size(), 16u);
  ASSERT_TRUE(engine->Load("k").ok());
  ASSERT_TRUE(engine->Insert("k", "", Rows(0, 200)).ok());
  EXPECT_EQ(Ids(*engine, "k", "n in [4, 9] and id < 50"),
            (std::vector<int64_t>{4, 9, 24, 29, 44, 49}));

  const std::string refused =
      "not support manually specifying the partition names if partition key mode is used";
  EXPECT_EQ(engine->Insert("k", "_default_0", Rows(500, 1)).status().message(), refused);
  EXPECT_EQ(engine->Upsert("k", "_default_0", Rows(1, 1)).status().message(), refused);
  QueryRequest q;
  q.collection = "k";
  q.filter = "id >= 0";
  q.partitions = {"_default_0"};
  EXPECT_EQ(engine->Query(q).status().message(), refused);
  DeleteRequest del;
  del.collection = "k";
  del.filter = "id == 1";
  del.partition = "_default_0";
  EXPECT_EQ(engine->Delete(del).status().message(), refused);
  EXPECT_EQ(engine->CreatePartition("k", "p").message(),
            "disable create partition if partition key mode is used");
  EXPECT_EQ(engine->DropPartition("k", "_default_1").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->LoadPartitions("k", {"_default_1"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->ReleasePartitions("k", {"_default_1"}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Count(*engine, "k", ""), 200);  // nothing was written by the refused calls

  EXPECT_EQ(engine->CreateCollection(KeySchema("k2", true), {}, 0, 1, 2000).code(),
            StatusCode::kInvalidArgument);
  CollectionSchema plain = KeySchema("plain", true);
  plain.fields[2].is_partition_key = false;
  EXPECT_EQ(engine->CreateCollection(plain, {}, 0, 1, 4).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(engine->DescribeCollection("plain").ok());
}

}  // namespace
}  // namespace strata
