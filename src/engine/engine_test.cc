#include "engine/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "engine/test_collection.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

constexpr int64_t kDim = 8;

CollectionSchema TestSchema(const std::string& name, bool auto_id) {
  CollectionSchema s;
  s.name = name;
  FieldSchema pk;
  pk.name = "id";
  pk.type = DataType::kInt64;
  pk.is_primary_key = true;
  pk.auto_id = auto_id;
  FieldSchema tag;
  tag.name = "tag";
  tag.type = DataType::kVarChar;
  tag.max_length = 16;
  FieldSchema vec;
  vec.name = "vec";
  vec.type = DataType::kFloatVector;
  vec.dim = kDim;
  s.fields = {pk, tag, vec};
  return s;
}

// Rows with ids [first, first + n) (ignored for auto_id) and deterministic vectors.
RowBatch Rows(int64_t first, int64_t n, bool with_ids = true) {
  RowBatch b;
  b.num_rows = n;
  if (with_ids) {
    b.columns.emplace_back(100, DataType::kInt64);
    for (int64_t i = 0; i < n; ++i) b.columns.back().values<int64_t>().push_back(first + i);
  }
  b.columns.emplace_back(101, DataType::kVarChar);
  b.columns.emplace_back(102, DataType::kFloatVector, kDim);
  for (int64_t i = 0; i < n; ++i) {
    b.columns[b.columns.size() - 2].values<std::string>().push_back("t" +
                                                                    std::to_string(first + i));
    for (int64_t d = 0; d < kDim; ++d)
      b.columns.back().values<float>().push_back(static_cast<float>((first + i) * 10 + d));
  }
  return b;
}

std::unique_ptr<Engine> OpenEngine(ObjectStore* store) {
  EngineOptions options;
  options.store = store;
  options.threads = 2;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(engine).value();
}

SearchRequest NearestTo(int64_t id, int64_t limit) {
  SearchRequest r;
  r.collection = "c";
  r.nq = 1;
  r.limit = limit;
  for (int64_t d = 0; d < kDim; ++d) r.float_queries.push_back(static_cast<float>(id * 10 + d));
  r.output_fields = {"tag"};
  return r;
}

TEST(EngineTest, InsertSearchQueryAcrossFlushAndRestart) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(0, 50)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(50, 50)).ok());  // stays in the WAL
    ASSERT_TRUE(engine->Load("c").ok());
    EXPECT_EQ(*engine->RowCount("c"), 100);
  }
  auto engine = OpenEngine(&store);  // recovers: sealed segment + WAL replay, still loaded
  EXPECT_EQ(*engine->RowCount("c"), 100);
  for (int64_t id : {3, 77}) {
    auto result = engine->Search(NearestTo(id, 3));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->topks, std::vector<int64_t>{3});
    EXPECT_EQ(result->ids.values<int64_t>()[0], id);
    EXPECT_FLOAT_EQ(result->scores[0], 0.0f);
    EXPECT_FLOAT_EQ(result->scores[1], 100.0f * kDim);  // neighbour ids differ by 1: 10 per dim
    EXPECT_EQ(result->fields.FindColumn(101)->values<std::string>()[0], "t" + std::to_string(id));
  }
  QueryRequest q;
  q.collection = "c";
  q.output_fields = {"count(*)"};
  EXPECT_EQ(engine->Query(q)->count, 100);
  q.output_fields = {"tag"};
  q.filter = "id in [5, 60, 1000]";
  auto rows = engine->Query(q);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->fields.FindColumn(100)->values<int64_t>(), (std::vector<int64_t>{5, 60}));
}

TEST(EngineTest, RejectedBatchWritesNothing) {
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
  auto bad = Rows(0, 3);
  bad.columns[1].values<std::string>()[2] = "far-too-long-for-sixteen";
  auto st = engine->Insert("c", "", bad);
  EXPECT_EQ(st.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*engine->RowCount("c"), 0);
  EXPECT_TRUE(store.List("wal/")->empty());
}

TEST(EngineTest, AutoIdAndErrors) {
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(TestSchema("c", true), {}, 0, 1).ok());
  EXPECT_EQ(engine->CreateCollection(TestSchema("c", true), {}, 0, 1).tag(),
            ErrorTag::kCollectionExists);
  auto inserted = engine->Insert("c", "", Rows(0, 4, /*with_ids=*/false));
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  const auto& ids = inserted->ids.values<int64_t>();
  ASSERT_EQ(ids.size(), 4u);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_GT(ids[i], ids[i - 1]);
  EXPECT_EQ(engine->Search(NearestTo(1, 1)).status().tag(), ErrorTag::kCollectionNotLoaded);
  EXPECT_EQ(engine->Insert("nope", "", Rows(0, 1)).status().tag(), ErrorTag::kCollectionNotFound);
}

TEST(EngineTest, ConcurrentInsertsAreAllDurable) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int b = 0; b < 25; ++b)
          ASSERT_TRUE(engine->Insert("c", "", Rows((t * 25 + b) * 10, 10)).ok());
      });
    for (auto& th : threads) th.join();
    EXPECT_EQ(*engine->RowCount("c"), 1000);
  }
  auto engine = OpenEngine(&store);
  EXPECT_EQ(*engine->RowCount("c"), 1000);
  ASSERT_TRUE(engine->Flush("c").ok());
  EXPECT_TRUE(store.List("wal/")->empty()) << "flush must truncate the WAL it covers";
  ASSERT_TRUE(engine->Load("c").ok());
  QueryRequest q;
  q.collection = "c";
  q.output_fields = {"count(*)"};
  EXPECT_EQ(engine->Query(q)->count, 1000);
}

// A flush that finishes while a Load of the released collection is under way must not leave
// its rows out of the loaded collection (found by bench/ingest: count(*) right after a load that
// raced an automatic seal was short by whole segments until the next Load). A race, so not
// certain to show: without the fix this failed in about one run in three.
TEST(EngineTest, AliasesLiveInTheCatalogAndMoveInOneCommit) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("blue", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->CreateCollection(TestSchema("green", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Insert("blue", "", Rows(0, 3)).ok());
    ASSERT_TRUE(engine->CreateAlias("blue", "prod").ok());
    ASSERT_TRUE(engine->CreateAlias("blue", "b").ok());
    EXPECT_EQ(*engine->RowCount("prod"), 3) << "the alias finds its collection";
    auto before = Catalog::Open(&store, "");
    ASSERT_TRUE(before.ok());
    const uint64_t version = (*before)->Current()->version;
    ASSERT_TRUE(engine->AlterAlias("green", "prod").ok());
    auto after = Catalog::Open(&store, "");
    ASSERT_TRUE(after.ok());
    std::shared_ptr<const Manifest> m = (*after)->Current();
    EXPECT_EQ(m->version, version + 1) << "one commit moves the alias";
    EXPECT_EQ(m->FindCollection("blue")->aliases, std::vector<std::string>{"b"});
    EXPECT_EQ(m->FindCollection("green")->aliases, std::vector<std::string>{"prod"});
    EXPECT_EQ(*engine->RowCount("prod"), 0);
  }
  auto engine = OpenEngine(&store);
  EXPECT_EQ(*engine->DescribeAlias("prod"), "green");
  EXPECT_EQ(*engine->ListAliases(""), (std::vector<std::string>{"b", "prod"}));
  EXPECT_EQ(engine->DropCollection("blue").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine->DropAlias("b").ok());
  ASSERT_TRUE(engine->DropCollection("blue").ok());
  EXPECT_EQ(engine->DescribeAlias("b").status().tag(), ErrorTag::kAliasNotFound);
}

TEST(EngineTest, DatabasesKeepCollectionsAndAliasesApartAcrossARestart) {
  MemoryObjectStore store;
  const CollectionName shop_docs("shop", "docs");
  {
    auto engine = OpenEngine(&store);
    EXPECT_EQ(engine->CreateCollection(TestSchema("docs", false), {}, 0, 1, 0, "shop").tag(),
              ErrorTag::kDatabaseNotFound);
    ASSERT_TRUE(engine->CreateDatabase("shop", {{"database.max.collections", "5"}}).ok());
    EXPECT_EQ(engine->CreateDatabase("shop", {}).tag(), ErrorTag::kDatabaseState);
    EXPECT_EQ(engine->CreateDatabase("1shop", {}).tag(), ErrorTag::kDatabaseInvalidName);
    // The same name in two databases is two collections.
    ASSERT_TRUE(engine->CreateCollection(TestSchema("docs", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->CreateCollection(TestSchema("docs", false), {}, 0, 1, 0, "shop").ok());
    ASSERT_TRUE(engine->Insert("docs", "", Rows(0, 3)).ok());
    ASSERT_TRUE(engine->Insert(shop_docs, "", Rows(0, 5)).ok());
    ASSERT_TRUE(engine->CreateAlias(shop_docs, "live").ok());
    EXPECT_EQ(*engine->RowCount(CollectionName("shop", "live")), 5);
    EXPECT_EQ(engine->RowCount("live").status().tag(), ErrorTag::kCollectionNotFound)
        << "an alias belongs to its database";
    EXPECT_EQ(engine->RowCount(CollectionName("nowhere", "docs")).status().tag(),
              ErrorTag::kDatabaseNotFound);
    EXPECT_EQ(engine->DropDatabase("shop").tag(), ErrorTag::kDatabaseState) << "not empty";
    EXPECT_EQ(engine->DropDatabase("default").tag(), ErrorTag::kDatabaseState);
    ASSERT_TRUE(engine->AlterDatabase("default", {{"k", "v"}}, {}).ok());
  }
  auto engine = OpenEngine(&store);
  std::vector<DatabaseMeta> databases = engine->ListDatabases();
  ASSERT_EQ(databases.size(), 2u);
  EXPECT_EQ(databases[0].name, "default");
  EXPECT_EQ(databases[0].db_id, kDefaultDatabaseId);
  EXPECT_EQ(databases[0].properties, (KeyValues{{"k", "v"}}));
  EXPECT_EQ(databases[1].name, "shop");
  EXPECT_GT(databases[1].created_ns, 0);
  EXPECT_EQ(*engine->RowCount("docs"), 3);
  EXPECT_EQ(*engine->RowCount(CollectionName("shop", "live")), 5);
  EXPECT_EQ(engine->ListCollections("shop")->size(), 1u);
  EXPECT_EQ(engine->ListCollections("nowhere").status().tag(), ErrorTag::kDatabaseNotFound);
  ASSERT_TRUE(engine->AlterDatabase("shop", {{"a", "1"}}, {"database.max.collections"}).ok());
  EXPECT_EQ(engine->DescribeDatabase("shop")->properties, (KeyValues{{"a", "1"}}));
  ASSERT_TRUE(engine->DropAlias(CollectionName("shop", "live")).ok());
  ASSERT_TRUE(engine->DropCollection(shop_docs).ok());
  ASSERT_TRUE(engine->DropDatabase("shop").ok());
  ASSERT_TRUE(engine->DropDatabase("shop").ok()) << "dropping a missing database succeeds";
  EXPECT_EQ(engine->DescribeDatabase("shop").status().tag(), ErrorTag::kDatabaseNotFound);
  EXPECT_EQ(*engine->RowCount("docs"), 3) << "the default database's docs are untouched";
}

TEST(EngineTest, RenameKeepsRowsAndAliasesAndMovesBetweenDatabases) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("old", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->CreateCollection(TestSchema("other", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Insert("old", "", Rows(0, 4)).ok());
    ASSERT_TRUE(engine->CreateAlias("old", "live").ok());
    EXPECT_EQ(engine->RenameCollection("live", "x").code(), StatusCode::kInvalidArgument)
        << "not through an alias";
    EXPECT_EQ(engine->RenameCollection("old", "other").tag(), ErrorTag::kCollectionExists);
    EXPECT_EQ(engine->RenameCollection("old", "live").tag(), ErrorTag::kCollectionExists);
    EXPECT_EQ(engine->RenameCollection("old", "1bad").code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(engine->RenameCollection("old", "new").ok());
    EXPECT_EQ(engine->RowCount("old").status().tag(), ErrorTag::kCollectionNotFound);
    EXPECT_EQ(*engine->RowCount("new"), 4);
    EXPECT_EQ(*engine->DescribeAlias("live"), "new") << "the alias follows";
    EXPECT_EQ(engine->RenameCollection("new", CollectionName("archive", "new")).tag(),
              ErrorTag::kDatabaseNotFound);
    ASSERT_TRUE(engine->CreateDatabase("archive", {}).ok());
    EXPECT_EQ(engine->RenameCollection("new", CollectionName("archive", "new")).code(),
              StatusCode::kInvalidArgument)
        << "aliases do not move to another database";
    ASSERT_TRUE(engine->DropAlias("live").ok());
    ASSERT_TRUE(engine->RenameCollection("new", CollectionName("archive", "kept")).ok());
  }
  auto engine = OpenEngine(&store);
  EXPECT_EQ(*engine->RowCount(CollectionName("archive", "kept")), 4);
  EXPECT_EQ(engine->RowCount("new").status().tag(), ErrorTag::kCollectionNotFound);
  EXPECT_EQ(engine->ListCollections()->size(), 1u) << "only 'other' is left in default";
}

TEST(EngineTest, LoadRacingAFlushSeesEveryRow) {
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
  int64_t rows = 0;
  for (int round = 0; round < 300; ++round) {
    ASSERT_TRUE(engine->Release("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(rows, 200)).ok());
    rows += 200;
    std::thread flush([&] { ASSERT_TRUE(engine->Flush("c").ok()); });
    ASSERT_TRUE(engine->Load("c").ok());
    flush.join();
    ASSERT_EQ(CountRows(*engine), rows) << "round " << round;
  }
}

std::vector<int64_t> Ids(Engine& engine, const std::string& filter,
                         std::vector<std::string> partitions = {}) {
  QueryRequest q;
  q.collection = "c";
  q.filter = filter;
  q.partitions = std::move(partitions);
  auto result = engine.Query(q);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return {};
  auto ids = result->fields.FindColumn(100)->values<int64_t>();
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string Tag(Engine& engine, int64_t id) {
  QueryRequest q;
  q.collection = "c";
  q.filter = "id == " + std::to_string(id);
  q.output_fields = {"tag"};
  auto result = engine.Query(q);
  if (!result.ok() || result->fields.num_rows != 1) return "<" + std::to_string(id) + " not 1>";
  return result->fields.FindColumn(101)->values<std::string>()[0];
}

Result<DeleteResult> DeleteWhere(Engine& engine, const std::string& filter,
                                 const std::string& partition = "") {
  DeleteRequest d;
  d.collection = "c";
  d.partition = partition;
  d.filter = filter;
  return engine.Delete(d);
}

TEST(EngineTest, DeletesHideRowsByTimestampAcrossFlushAndRestart) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Load("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(0, 20)).ok());
    auto deleted = DeleteWhere(*engine, "id in [1, 2, 3, 999]");
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    // Milvus reports the keys listed, whether or not rows held them.
    EXPECT_EQ(deleted->ids.values<int64_t>(), (std::vector<int64_t>{1, 2, 3, 999}));
    EXPECT_EQ(CountRows(*engine), 17);
    // A row inserted after the delete of its key is visible.
    ASSERT_TRUE(engine->Insert("c", "", Rows(2, 1)).ok());
    EXPECT_EQ(CountRows(*engine), 18);
    ASSERT_TRUE(engine->Flush("c").ok());                // deletes 1..3 go to a delta log
    deleted = DeleteWhere(*engine, "tag like \"t1%\"");  // 10..19 (1 is already gone)
    ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
    EXPECT_EQ(deleted->ids.size(), 10);
    EXPECT_EQ(CountRows(*engine), 8);
    auto search = engine->Search(NearestTo(12, 3));
    ASSERT_TRUE(search.ok()) << search.status().ToString();
    for (int64_t id : search->ids.values<int64_t>()) EXPECT_LT(id, 10);
    EXPECT_EQ(Ids(*engine, "id >= 0"), (std::vector<int64_t>{0, 2, 4, 5, 6, 7, 8, 9}));
  }
  {
    auto engine = OpenEngine(&store);  // delta log + WAL replay
    EXPECT_EQ(Ids(*engine, "id >= 0"), (std::vector<int64_t>{0, 2, 4, 5, 6, 7, 8, 9}));
    ASSERT_TRUE(engine->Flush("c").ok());
    EXPECT_TRUE(store.List("wal/")->empty());
    EXPECT_EQ(store.List("delta_log/")->size(), 2u);
  }
  auto engine = OpenEngine(&store);  // delta logs only
  EXPECT_EQ(Ids(*engine, "id >= 0"), (std::vector<int64_t>{0, 2, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(CountRows(*engine), 8);
  auto bad = DeleteWhere(*engine, "id >");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("position"), std::string_view::npos)
      << bad.status().ToString();
}

TEST(EngineTest, UpsertReplacesAtomicallyAndSurvivesRestart) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Load("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(0, 5)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    auto replacement = Rows(3, 4);  // 3, 4 replace; 5, 6 are new
    for (auto& tag : replacement.columns[1].values<std::string>()) tag = "new";
    auto upserted = engine->Upsert("c", "", replacement);
    ASSERT_TRUE(upserted.ok()) << upserted.status().ToString();
    EXPECT_EQ(upserted->ids.values<int64_t>(), (std::vector<int64_t>{3, 4, 5, 6}));
    EXPECT_EQ(CountRows(*engine), 7);
    EXPECT_EQ(Tag(*engine, 3), "new");
    EXPECT_EQ(Tag(*engine, 2), "t2");
    auto wrong_dim = Rows(0, 1);
    wrong_dim.columns[2] = Column(102, DataType::kFloatVector, kDim + 1);
    wrong_dim.columns[2].values<float>().assign(kDim + 1, 0.0f);
    EXPECT_EQ(engine->Upsert("c", "", wrong_dim).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(Tag(*engine, 0), "t0");
  }
  auto engine = OpenEngine(&store);
  EXPECT_EQ(CountRows(*engine), 7);
  EXPECT_EQ(Tag(*engine, 4), "new");
  EXPECT_EQ(Tag(*engine, 1), "t1");
}

TEST(EngineTest, PartitionsScopeLoadsReadsAndDeletes) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->CreatePartition("c", "p1").ok());
    ASSERT_TRUE(engine->CreatePartition("c", "p1").ok());  // again: fine, as in Milvus
    EXPECT_EQ(engine->CreatePartition("c", "1bad").code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(engine->Insert("c", "", Rows(0, 10)).ok());
    ASSERT_TRUE(engine->Insert("c", "p1", Rows(100, 5)).ok());
    EXPECT_EQ(engine->Insert("c", "nope", Rows(0, 1)).status().tag(), ErrorTag::kPartitionNotFound);
    EXPECT_EQ(*engine->PartitionRowCount("c", "p1"), 5);
    ASSERT_TRUE(engine->LoadPartitions("c", {"p1"}).ok());
    EXPECT_EQ(CountRows(*engine), 5);  // only p1 is loaded
    QueryRequest q;
    q.collection = "c";
    q.filter = "id >= 0";
    q.partitions = {"_default"};
    EXPECT_EQ(engine->Query(q).status().tag(), ErrorTag::kPartitionNotLoaded);
    ASSERT_TRUE(engine->Flush("c").ok());
    // A delete scoped to p1 leaves _default alone even for the same key.
    ASSERT_TRUE(engine->Insert("c", "p1", Rows(0, 1)).ok());
    ASSERT_TRUE(DeleteWhere(*engine, "id in [0, 100]", "p1").ok());
    EXPECT_EQ(Ids(*engine, "id >= 0", {"p1"}), (std::vector<int64_t>{101, 102, 103, 104}));
  }
  auto engine = OpenEngine(&store);  // partial load state survives
  EXPECT_EQ(*engine->IsLoaded("c", {"p1"}), true);
  EXPECT_EQ(*engine->IsLoaded("c", {"_default"}), false);
  ASSERT_TRUE(engine->Load("c").ok());
  EXPECT_EQ(Ids(*engine, "id < 3"), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(engine->DropPartition("c", "_default").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(engine->DropPartition("c", "p1").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine->ReleasePartitions("c", {"p1"}).ok());
  EXPECT_EQ(CountRows(*engine), 10);
  ASSERT_TRUE(engine->DropPartition("c", "p1").ok());
  EXPECT_EQ(engine->ShowPartitions("c")->size(), 1u);
  EXPECT_EQ(*engine->RowCount("c"), 10);
  ASSERT_TRUE(engine->Flush("c").ok());
  auto reopened = OpenEngine(&store);
  EXPECT_EQ(*reopened->RowCount("c"), 10);
}

TEST(EngineTest, IndexesAreBuiltInTheBackgroundAndLoadedNotRebuilt) {
  std::vector<ObjectInfo> index_objects;
  for (const char* type : {"HNSW", "IVF_SQ8"}) {
    SCOPED_TRACE(type);
    MemoryObjectStore store;
    {
      auto engine = OpenEngine(&store);
      ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
      ASSERT_TRUE(engine->Insert("c", "", Rows(0, 600)).ok());
      ASSERT_TRUE(engine->Flush("c").ok());
      KeyValues params = {{"index_type", type}, {"metric_type", "L2"}, {"params", "{\"nlist\":8}"}};
      ASSERT_TRUE(engine->CreateIndex("c", "vec", "", params).ok());
      engine->WaitForIndexBuilds();
      auto info = engine->DescribeIndex("c", "", "");
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->front().indexed_rows, 600);
      EXPECT_EQ(info->front().pending_index_rows, 0);
      index_objects = *store.List("index_files/");
      ASSERT_EQ(index_objects.size(), 1u);
    }
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->Load("c").ok());
    engine->WaitForIndexBuilds();
    auto again = *store.List("index_files/");
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].key, index_objects[0].key) << "restart must load, not rebuild";
    // These rows lie on a line, where a graph walk can stop next to its target when a link
    // is one-way (a 2-thread build makes a few); ef = every row makes the HNSW walk exhaustive.
    SearchRequest nearest = NearestTo(123, 3);
    nearest.search_params = {{"ef", 600}, {"nprobe", 8}};
    auto result = engine->Search(nearest);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    EXPECT_EQ(result->ids.values<int64_t>()[0], 123);
    // Dropping the index deletes its files.
    ASSERT_TRUE(engine->Release("c").ok());
    ASSERT_TRUE(engine->DropIndex("c", "vec", "").ok());
    EXPECT_TRUE(store.List("index_files/")->empty());
  }
}

// Stopping the server cancels the HNSW build in progress instead of waiting for it: nothing is
// committed, and the next start builds the index again.
TEST(EngineTest, StoppingCancelsAnIndexBuildThatTheRestartRedoes) {
  MemoryObjectStore store;
  const int64_t rows = 40000;  // about a second of HNSW build on two threads
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    for (int64_t first = 0; first < rows; first += 10000)
      ASSERT_TRUE(engine->Insert("c", "", Rows(first, 10000)).ok());
    KeyValues params = {
        {"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "{\"efConstruction\":400}"}};
    ASSERT_TRUE(engine->CreateIndex("c", "vec", "", params).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the build is under way
  }
  EXPECT_TRUE(store.List("index_files/")->empty()) << "a cancelled build writes nothing";
  auto engine = OpenEngine(&store);
  engine->WaitForIndexBuilds();
  auto info = engine->DescribeIndex("c", "", "");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->front().indexed_rows, rows);
  EXPECT_EQ(store.List("index_files/")->size(), 1u);
}

TEST(EngineTest, RangeSearchMergesIndexedAndGrowingRows) {
  // Row i's vector is (10i, 10i + 1, ...), so its squared L2 distance to row j's is
  // 800 (i - j)^2. Rows 0..599 are sealed and indexed (HNSW), 600..609 growing (exact).
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
  ASSERT_TRUE(engine->Insert("c", "", Rows(0, 600)).ok());
  ASSERT_TRUE(engine->Flush("c").ok());
  KeyValues params = {{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "{}"}};
  ASSERT_TRUE(engine->CreateIndex("c", "vec", "", params).ok());
  engine->WaitForIndexBuilds();
  ASSERT_TRUE(engine->Load("c").ok());
  ASSERT_TRUE(engine->Insert("c", "", Rows(600, 10)).ok());
  auto ids = [](const SearchResult& r) { return r.ids.values<int64_t>(); };

  // 1 <= d < 3201 around row 599: rows 598 and 600 (800), 597 and 601 (3200), ties by pk.
  SearchRequest req = NearestTo(599, 10);
  req.search_params = {{"radius", 3201}, {"range_filter", 1}};
  auto result = engine->Search(req);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(ids(*result), (std::vector<int64_t>{598, 600, 597, 601}));
  EXPECT_EQ(result->scores, (std::vector<float>{800, 800, 3200, 3200}));
  EXPECT_EQ(result->topks, (std::vector<int64_t>{4}));

  req.offset = 1;
  req.limit = 2;
  result = engine->Search(req);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(ids(*result), (std::vector<int64_t>{600, 597}));

  req.offset = 0;
  req.limit = 10;
  req.filter = "id != 600";
  result = engine->Search(req);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(ids(*result), (std::vector<int64_t>{598, 597, 601}));

  req.filter = "";
  for (nlohmann::json bad :
       {nlohmann::json{{"radius", 3201}, {"range_filter", 4000}}, nlohmann::json{{"radius", "far"}},
        nlohmann::json{{"range_filter", 1}}}) {
    req.search_params = bad;
    EXPECT_EQ(engine->Search(req).status().code(), StatusCode::kInvalidArgument) << bad.dump();
  }
}

TEST(EngineTest, BadIndexParametersAreRejectedUpFront) {
  MemoryObjectStore store;
  auto engine = OpenEngine(&store);
  ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
  for (const KeyValues& params : std::vector<KeyValues>{
           {{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", R"({"M":1})"}},
           {{"index_type", "IVF_PQ"}, {"metric_type", "L2"}, {"params", R"({"nlist":4,"m":3})"}},
           {{"index_type", "DISKANN"}, {"metric_type", "L2"}, {"params", "{}"}},
           {{"index_type", "HNSW"}, {"metric_type", "HAMMING"}, {"params", "{}"}}}) {
    Status st = engine->CreateIndex("c", "vec", "", params);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument)
        << params[0].second << " " << params[2].second;
  }
  EXPECT_EQ(engine->DescribeIndex("c", "", "").status().tag(), ErrorTag::kIndexNotFound);
}

TEST(EngineTest, CorruptIndexFileIsDataLossNamingIt) {
  MemoryObjectStore store;
  {
    auto engine = OpenEngine(&store);
    ASSERT_TRUE(engine->CreateCollection(TestSchema("c", false), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Insert("c", "", Rows(0, 100)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    ASSERT_TRUE(
        engine->CreateIndex("c", "vec", "", {{"index_type", "HNSW"}, {"metric_type", "L2"}}).ok());
    engine->WaitForIndexBuilds();
  }
  auto objects = *store.List("index_files/");
  ASSERT_EQ(objects.size(), 1u);
  std::string bytes = *store.Get(objects[0].key);
  bytes[bytes.size() / 2] ^= 0x40;
  ASSERT_TRUE(store.Put(objects[0].key, bytes).ok());
  auto engine = OpenEngine(&store);
  Status st = engine->Load("c");
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
  EXPECT_NE(st.message().find(objects[0].key), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace strata
