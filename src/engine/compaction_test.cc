#include "engine/compaction.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "engine/engine.h"
#include "engine/test_collection.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

SegmentMeta Segment(int64_t id, int64_t partition, int64_t bytes) {
  SegmentMeta s;
  s.segment_id = id;
  s.partition_id = partition;
  s.min_ts = 100 - id;  // written in the opposite order of the ids
  s.column_files = {{100, "a", bytes / 2}, {101, "b", bytes - bytes / 2}};
  return s;
}

TEST(PlanMergesTest, PacksSmallSegmentsOfAPartitionSmallestFirstInWritingOrder) {
  CollectionMeta meta;
  meta.segments = {Segment(1, 7, 300), Segment(2, 7, 100),
                   Segment(3, 7, 200), Segment(4, 7, 600),  // half the limit or more: never merged
                   Segment(5, 8, 100),                      // alone in its partition
                   Segment(6, 9, 450), Segment(7, 9, 450),
                   Segment(8, 9, 90),  Segment(9, 9, 10)};
  std::vector<MergePlan> plans = PlanMerges(meta, 1000);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].partition_id, 7);
  EXPECT_EQ(plans[0].sources, (std::vector<int64_t>{3, 2, 1}));
  // 10 + 90 + 450 + 450 = 1000 fits; one more byte would not.
  EXPECT_EQ(plans[1].partition_id, 9);
  EXPECT_EQ(plans[1].sources, (std::vector<int64_t>{9, 8, 7, 6}));
  meta.segments.push_back(Segment(10, 9, 1));
  plans = PlanMerges(meta, 1000);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[1].sources, (std::vector<int64_t>{10, 9, 8, 6}));  // 7 is left alone
  EXPECT_TRUE(PlanMerges(meta, 20).empty()) << "only segment 10 is under 10 bytes";
}

TEST(PlanPurgesTest, RewritesSegmentsWithAFifthDeletedThatNoMergeTakes) {
  CollectionMeta meta;
  meta.segments = {Segment(1, 7, 100), Segment(2, 7, 100), Segment(3, 7, 100), Segment(4, 7, 100)};
  for (auto& seg : meta.segments) seg.num_rows = 10;
  std::vector<MergePlan> merges = {{7, {1}}};
  std::map<int64_t, std::optional<int64_t>> deleted = {{1, 9}, {2, 2}, {3, 1}, {4, std::nullopt}};
  std::vector<MergePlan> purges =
      PlanPurges(meta, merges, [&](const SegmentMeta& seg) { return deleted.at(seg.segment_id); });
  ASSERT_EQ(purges.size(), 1u) << "1 is merged anyway, 3 has 10% deleted, 4 is not counted";
  EXPECT_EQ(purges[0].partition_id, 7);
  EXPECT_EQ(purges[0].sources, (std::vector<int64_t>{2}));
}

std::unique_ptr<Engine> Open(ObjectStore* store, bool auto_compaction) {
  EngineOptions options;
  options.store = store;
  options.threads = 2;
  options.background.auto_compaction = auto_compaction;
  auto engine = Engine::Open(options);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return std::move(engine).value();
}

// The ids of the `limit` rows nearest to row `id`'s original vector, through the index, sorted
// (rows at equal distances come in no fixed order).
std::vector<int64_t> Nearest(Engine& engine, int64_t id, int64_t limit) {
  SearchRequest r;
  r.collection = "c";
  r.nq = 1;
  r.limit = limit;
  r.search_params = {{"ef", 1000}};
  for (int64_t d = 0; d < kTestDim; ++d) r.float_queries.push_back(static_cast<float>(id * 10 + d));
  auto result = engine.Search(r);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return {};
  std::vector<int64_t> ids = result->ids.values<int64_t>();
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> Keys(MemoryObjectStore& store, const std::string& prefix) {
  std::vector<std::string> keys;
  auto listed = store.List(prefix);
  EXPECT_TRUE(listed.ok());
  for (const auto& o : *listed) keys.push_back(o.key);
  return keys;
}

TEST(CompactionTest, FlushedSegmentsMergeWithoutDeletedRowsAndSurviveRestart) {
  MemoryObjectStore store;
  std::vector<std::string> index_keys;
  int64_t target = 0;
  {
    auto engine = Open(&store, /*auto_compaction=*/true);
    ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
    KeyValues params = {{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "{}"}};
    ASSERT_TRUE(engine->CreateIndex("c", "vec", "", params).ok());
    ASSERT_TRUE(engine->Load("c").ok());
    for (int64_t part = 0; part < 3; ++part) {
      ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(part * 200, 200)).ok());
      ASSERT_TRUE(engine->Flush("c").ok());
    }
    // Row 5 is deleted for good; row 7 is deleted, then written again with a new vector.
    DeleteRequest del{"c", "", "id in [5, 7]", {}};
    ASSERT_TRUE(engine->Delete(del).ok());
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(7, 1, 1e6f)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    engine->WaitForIndexBuilds();

    auto meta = engine->DescribeCollection("c");
    ASSERT_TRUE(meta.ok());
    ASSERT_EQ(meta->segments.size(), 1u) << "four flushes, merged into one segment";
    const SegmentMeta& seg = meta->segments[0];
    target = seg.segment_id;
    EXPECT_EQ(seg.num_rows, 599) << "600 rows, 5 and the old 7 left out, the new 7 kept";
    ASSERT_EQ(seg.index_files.size(), 1u) << "indexed before it replaced the sources";
    EXPECT_EQ(*engine->RowCount("c"), 599);
    EXPECT_EQ(CountRows(*engine), 599);
    EXPECT_EQ(CountRows(*engine, "id in [5, 7]"), 1);
    EXPECT_EQ(Nearest(*engine, 300, 1), (std::vector<int64_t>{300}));
    EXPECT_EQ(Nearest(*engine, 7, 4), (std::vector<int64_t>{4, 6, 8, 9}))
        << "5 is gone and 7 moved far away";

    // Only the merged segment's objects are left.
    for (const char* kind : {"insert_log/", "stats_log/", "index_files/"})
      for (const auto& key : Keys(store, kind))
        EXPECT_NE(key.find("/" + std::to_string(target) + "/"), std::string::npos) << key;
    index_keys = Keys(store, "index_files/");
    EXPECT_EQ(index_keys.size(), 1u);
  }
  auto engine = Open(&store, /*auto_compaction=*/true);
  engine->WaitForIndexBuilds();
  EXPECT_EQ(Keys(store, "index_files/"), index_keys) << "restart loads, never rebuilds";
  EXPECT_EQ(engine->DescribeCollection("c")->segments[0].segment_id, target);
  EXPECT_EQ(CountRows(*engine), 599);
  EXPECT_EQ(CountRows(*engine, "id in [5, 7]"), 1);
  EXPECT_EQ(Nearest(*engine, 7, 4), (std::vector<int64_t>{4, 6, 8, 9}));
}

TEST(CompactionTest, AStoppingServerEndsAMergeBeforeItWritesAnything) {
  MemoryObjectStore store;
  {
    auto engine = Open(&store, /*auto_compaction=*/false);
    ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
    for (int64_t part = 0; part < 3; ++part) {
      ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(part * 100, 100)).ok());
      ASSERT_TRUE(engine->Flush("c").ok());
    }
  }
  auto catalog = Catalog::Open(&store, "");
  ASSERT_TRUE(catalog.ok());
  const CollectionMeta meta = (*catalog)->Current()->collections.at(0);
  ASSERT_EQ(meta.segments.size(), 3u);
  HybridClock clock;
  Collection collection(&store, "", catalog->get(), &clock, meta);
  ASSERT_TRUE(collection.Recover(meta).ok());
  MergePlan plan{meta.segments[0].partition_id, {}};
  for (const SegmentMeta& seg : meta.segments) plan.sources.push_back(seg.segment_id);
  const std::vector<std::string> before = Keys(store, "");

  std::atomic<bool> cancel{true};
  SegmentWorkContext ctx{&store, "", catalog->get(), &clock, nullptr, nullptr, &cancel};
  auto stopped = MergeSegments(ctx, collection, meta, plan);
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(Keys(store, ""), before) << "nothing written, nothing committed";

  cancel = false;
  auto merged = MergeSegments(ctx, collection, meta, plan);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_TRUE(merged->has_value());
  EXPECT_EQ((*catalog)->Current()->collections.at(0).segments.size(), 1u);
}

TEST(CompactionTest, ManualRequestCompactsAndReportsItsMerges) {
  MemoryObjectStore store;
  auto engine = Open(&store, /*auto_compaction=*/false);
  ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
  for (int64_t part = 0; part < 2; ++part) {
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(part * 50, 50)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
  }
  engine->WaitForIndexBuilds();
  auto meta = engine->DescribeCollection("c");
  ASSERT_EQ(meta->segments.size(), 2u) << "nothing compacts without a request";
  std::vector<int64_t> sources = {meta->segments[0].segment_id, meta->segments[1].segment_id};

  EXPECT_EQ(engine->Compact(meta->collection_id + 1).status().code(), StatusCode::kNotFound);
  auto request = engine->Compact(meta->collection_id);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_NE(request->job_id, 0);
  EXPECT_EQ(request->planned, 1);
  engine->WaitForIndexBuilds();
  std::optional<CompactionJob> job = engine->CompactionState(request->job_id);
  ASSERT_TRUE(job.has_value());
  EXPECT_TRUE(job->done);
  EXPECT_EQ(job->completed, 1);
  EXPECT_EQ(job->executing, 0);
  EXPECT_EQ(job->failed, 0);
  ASSERT_EQ(job->merges.size(), 1u);
  std::sort(job->merges[0].sources.begin(), job->merges[0].sources.end());
  std::sort(sources.begin(), sources.end());
  EXPECT_EQ(job->merges[0].sources, sources);
  meta = engine->DescribeCollection("c");
  ASSERT_EQ(meta->segments.size(), 1u);
  EXPECT_EQ(meta->segments[0].segment_id, job->merges[0].target);
  EXPECT_EQ(meta->segments[0].num_rows, 100);
  ASSERT_TRUE(engine->Load("c").ok());
  EXPECT_EQ(CountRows(*engine), 100);
  EXPECT_FALSE(engine->CompactionState(request->job_id + 1).has_value());

  // A second request finds nothing to merge and completes with no plans.
  request = engine->Compact(meta->collection_id);
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->planned, 0);
  engine->WaitForIndexBuilds();
  job = engine->CompactionState(request->job_id);
  ASSERT_TRUE(job.has_value());
  EXPECT_TRUE(job->done);
  EXPECT_EQ(job->completed, 0);
}

TEST(CompactionTest, SegmentsWhoseRowsAreAllDeletedDisappear) {
  MemoryObjectStore store;
  auto engine = Open(&store, /*auto_compaction=*/true);
  ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
  for (int64_t part = 0; part < 2; ++part) {
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(part * 10, 10)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
  }
  engine->WaitForIndexBuilds();
  ASSERT_EQ(engine->DescribeCollection("c")->segments.size(), 1u);
  ASSERT_TRUE(engine->Load("c").ok());
  ASSERT_TRUE(engine->Delete({"c", "", "id < 20", {}}).ok());
  ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(100, 1)).ok());
  ASSERT_TRUE(engine->Flush("c").ok());
  engine->WaitForIndexBuilds();
  auto meta = engine->DescribeCollection("c");
  ASSERT_EQ(meta->segments.size(), 1u);
  EXPECT_EQ(meta->segments[0].num_rows, 1);
  EXPECT_EQ(*engine->RowCount("c"), 1);
  EXPECT_EQ(CountRows(*engine), 1);
}

TEST(CompactionTest, ALoadedSegmentWithAFifthDeletedIsRewrittenWithoutThem) {
  MemoryObjectStore store;
  auto engine = Open(&store, /*auto_compaction=*/true);
  ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
  ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(0, 100)).ok());
  ASSERT_TRUE(engine->Flush("c").ok());
  ASSERT_TRUE(engine->Load("c").ok());
  int64_t first = engine->DescribeCollection("c")->segments[0].segment_id;
  ASSERT_TRUE(engine->Delete({"c", "", "id < 10", {}}).ok());
  ASSERT_TRUE(engine->Flush("c").ok());
  engine->WaitForIndexBuilds();
  auto meta = engine->DescribeCollection("c");
  ASSERT_EQ(meta->segments.size(), 1u);
  EXPECT_EQ(meta->segments[0].segment_id, first) << "10% deleted: left as it is";

  ASSERT_TRUE(engine->Delete({"c", "", "id < 20", {}}).ok());
  ASSERT_TRUE(engine->Flush("c").ok());
  engine->WaitForIndexBuilds();
  meta = engine->DescribeCollection("c");
  ASSERT_EQ(meta->segments.size(), 1u);
  EXPECT_NE(meta->segments[0].segment_id, first) << "20% deleted: rewritten";
  EXPECT_EQ(meta->segments[0].num_rows, 80);
  EXPECT_EQ(CountRows(*engine), 80);
  EXPECT_EQ(CountRows(*engine, "id >= 20"), 80);
}

// collection.ttl.seconds: rows older than the TTL disappear from every read at once, come back
// if the TTL is removed before a compaction, and are gone for good once one runs. The TTL is 2 s:
// the checks after the wait must finish within 2 s, before the newer rows expire too.
TEST(CompactionTest, RowsPastTheTtlAreNotReadAndCompactionDropsThem) {
  MemoryObjectStore store;
  const KeyValues ttl = {{std::string(kTtlProperty), "2"}};
  {
    auto engine = Open(&store, /*auto_compaction=*/false);
    EXPECT_EQ(
        engine->CreateCollection(TestVectorSchema(), {{std::string(kTtlProperty), "-1"}}, 0, 1)
            .code(),
        StatusCode::kInvalidArgument);
    ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
    ASSERT_TRUE(engine->Load("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(0, 50)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(50, 10)).ok());  // growing
    EXPECT_EQ(engine->AlterCollection("c", {{std::string(kTtlProperty), "soon"}}, {}).code(),
              StatusCode::kInvalidArgument);
    ASSERT_TRUE(engine->AlterCollection("c", ttl, {}).ok());
    EXPECT_EQ(CountRows(*engine), 60) << "not two seconds old yet";
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(60, 5)).ok());
    EXPECT_EQ(CountRows(*engine), 5) << "sealed and growing rows expired alike";
    EXPECT_EQ(Nearest(*engine, 3, 2), (std::vector<int64_t>{60, 61}));
    ASSERT_TRUE(engine->AlterCollection("c", {}, {std::string(kTtlProperty)}).ok());
    EXPECT_EQ(CountRows(*engine), 65) << "without a TTL, rows no compaction dropped are back";
    ASSERT_TRUE(engine->AlterCollection("c", ttl, {}).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    auto meta = engine->DescribeCollection("c");
    ASSERT_TRUE(engine->Compact(meta->collection_id).ok());
    engine->WaitForIndexBuilds();
    meta = engine->DescribeCollection("c");
    EXPECT_EQ(meta->SealedRows(), 5) << "the expired rows are gone from the bucket";
    EXPECT_EQ(meta->properties, ttl);
  }
  auto engine = Open(&store, /*auto_compaction=*/false);
  EXPECT_EQ(engine->DescribeCollection("c")->properties, ttl) << "the TTL survives a restart";
  EXPECT_EQ(CountRows(*engine), 5);
}

}  // namespace
}  // namespace strata
