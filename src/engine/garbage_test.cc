#include "engine/garbage.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "common/hybrid_clock.h"
#include "engine/engine.h"
#include "engine/test_collection.h"
#include "objstore/memory_store.h"

namespace strata {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kNowMs = 1'800'000'000'000;  // a fixed "now" for the pure cases

std::vector<std::string> KeysOf(const std::vector<ObjectInfo>& objects) {
  std::vector<std::string> keys;
  for (const auto& o : objects) keys.push_back(o.key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Collection 10 with one segment (two column files, stats, an index file) and a delta log;
// its WAL is flushed up to lsn 5. Keys under the root "r/".
Manifest TestManifest() {
  Manifest m;
  CollectionMeta c;
  c.collection_id = 10;
  c.wal_covered_lsn = 5;
  SegmentMeta seg;
  seg.segment_id = 30;
  seg.partition_id = 20;
  seg.column_files = {{1, "r/insert_log/10/20/30/1/40", 8},
                      {100, "r/insert_log/10/20/30/100/40", 8}};
  seg.stats_key = "r/stats_log/10/20/30/100/40";
  seg.index_files = {{50, "r/index_files/60/1/20/30/vec_idx", 8}};
  c.segments.push_back(seg);
  c.delta_logs.push_back({"r/delta_log/10/0/0/70", 0, 1, 1, 1});
  m.collections.push_back(c);
  return m;
}

TEST(FindGarbageTest, KeepsWhatTheManifestNamesOrRecoveryReplays) {
  const Manifest m = TestManifest();
  const int64_t old = kNowMs - 2 * kHourMs;
  std::vector<ObjectInfo> listed = {
      // Named: kept whatever their age.
      {"r/insert_log/10/20/30/1/40", 8, old},
      {"r/insert_log/10/20/30/100/40", 8, old},
      {"r/stats_log/10/20/30/100/40", 8, old},
      {"r/index_files/60/1/20/30/vec_idx", 8, old},
      {"r/delta_log/10/0/0/70", 8, old},
      {"r/wal/10/0/00000000000000000006", 8, old},  // after the covered lsn: replayed
      // Unnamed and old: garbage.
      {"r/insert_log/10/20/31/100/41", 100, old},  // a flush or merge that never committed
      {"r/stats_log/10/20/31/100/41", 10, old},
      {"r/index_files/61/1/20/30/vec_idx", 1000, old},  // a build that never committed
      {"r/delta_log/10/20/0/71", 5, old},
      {"r/wal/10/0/00000000000000000005", 3, old},  // covered by a flush
      {"r/wal/11/0/00000000000000000001", 2, old},  // of a dropped collection
      {"r/insert_log/12/20/30/100/40", 1, old},     // of a dropped collection
      // Unnamed but young, or of unknown age: kept.
      {"r/insert_log/10/20/32/100/42", 8, kNowMs - kHourMs + 1},
      {"r/insert_log/10/20/33/100/43", 8, 0},
      // Shapes Strata does not write: kept.
      {"r/insert_log/README", 8, old},
      {"r/insert_log/10/20/30/100/x", 8, old},
      {"r/wal/10/1/00000000000000000001", 8, old},
      {"r/index_files/61/2/20/30/vec_idx", 8, old},
  };
  GarbageReport report;
  std::vector<ObjectInfo> garbage = FindGarbage(m, "r/", listed, kNowMs, kHourMs, &report);
  EXPECT_EQ(KeysOf(garbage), (std::vector<std::string>{
                                 "r/delta_log/10/20/0/71",
                                 "r/index_files/61/1/20/30/vec_idx",
                                 "r/insert_log/10/20/31/100/41",
                                 "r/insert_log/12/20/30/100/40",
                                 "r/stats_log/10/20/31/100/41",
                                 "r/wal/10/0/00000000000000000005",
                                 "r/wal/11/0/00000000000000000001",
                             }));
  EXPECT_EQ(report.listed, std::ssize(listed));
  EXPECT_EQ(report.too_young, 2);
  EXPECT_EQ(report.unrecognized, 4);
}

TEST(FindAbandonedUploadsTest, AbortsWhatFindGarbageWouldDelete) {
  const Manifest m = TestManifest();
  const int64_t old = kNowMs - 2 * kHourMs;
  std::vector<PendingUpload> listed = {
      {"r/insert_log/10/20/30/1/40", "u1", old},  // named: the object exists, this never will
      {"r/insert_log/10/20/31/1/41", "u2", old},
      {"r/wal/10/0/00000000000000000004", "u3", old},  // covered
      {"r/index_files/61/1/20/30/vec_idx", "u4", old},
      // Kept: young, a WAL write recovery would still want, a foreign shape.
      {"r/insert_log/10/20/32/1/42", "u5", kNowMs - kHourMs + 1},
      {"r/wal/10/0/00000000000000000006", "u6", old},
      {"r/insert_log/notes.txt", "u7", old},
  };
  GarbageReport report;
  std::vector<PendingUpload> abandoned =
      FindAbandonedUploads(m, "r/", listed, kNowMs, kHourMs, &report);
  std::vector<std::string> ids;
  for (const auto& u : abandoned) ids.push_back(u.upload_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(report.uploads_listed, 7);
  EXPECT_EQ(report.listed, 0) << "objects are counted apart";
}

// An engine whose objects were all written two hours ago, by the store's clock.
struct AgedEngine {
  MemoryObjectStore store;
  std::atomic<int64_t> clock_ms{static_cast<int64_t>(WallClockMs()) - 2 * kHourMs};

  AgedEngine() {
    store.SetClock([this] { return clock_ms.load(); });
  }

  std::unique_ptr<Engine> Open(int64_t gc_interval_ms) {
    EngineOptions options;
    options.store = &store;
    options.threads = 2;
    options.background.gc_interval_ms = gc_interval_ms;
    options.background.gc_min_age_ms = kHourMs;
    auto engine = Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return std::move(engine).value();
  }

  std::vector<std::string> Keys() {
    auto listed = store.List("");
    EXPECT_TRUE(listed.ok());
    return KeysOf(*listed);
  }
};

TEST(CollectGarbageTest, DeletesCrashLeftoversAndNothingLive) {
  AgedEngine aged;
  std::vector<std::string> live;
  std::string planted_prefix;
  {
    auto engine = aged.Open(/*gc_interval_ms=*/0);
    ASSERT_TRUE(engine->CreateCollection(TestVectorSchema(), {}, 0, 1).ok());
    KeyValues params = {{"index_type", "HNSW"}, {"metric_type", "L2"}, {"params", "{}"}};
    ASSERT_TRUE(engine->CreateIndex("c", "vec", "", params).ok());
    ASSERT_TRUE(engine->Load("c").ok());
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(0, 100)).ok());
    ASSERT_TRUE(engine->Flush("c").ok());
    engine->WaitForIndexBuilds();
    ASSERT_TRUE(engine->Insert("c", "", TestVectorRows(100, 10)).ok());  // left in the WAL
    live = aged.Keys();
    auto meta = engine->DescribeCollection("c");
    ASSERT_TRUE(meta.ok());
    ASSERT_EQ(meta->segments.size(), 1u);
    planted_prefix =
        fmt::format("insert_log/{}/{}/", meta->collection_id, meta->segments[0].partition_id);
  }
  // What a crash before a commit leaves: a segment nothing names, an index file nothing names.
  const std::vector<std::string> old_garbage = {
      planted_prefix + "1/100/2", planted_prefix + "1/101/2", "index_files/3/1/4/5/vec_idx"};
  for (const auto& key : old_garbage) ASSERT_TRUE(aged.store.Put(key, "x").ok());
  // And an index file whose writer died mid-upload; its writer is never finished here.
  auto dead_writer = aged.store.NewWriter("index_files/8/1/4/5/vec_idx");
  ASSERT_TRUE(dead_writer.ok() && (*dead_writer)->Append("part").ok());
  aged.clock_ms = static_cast<int64_t>(WallClockMs());  // from here on, objects are new
  const std::string young = planted_prefix + "6/100/7";
  ASSERT_TRUE(aged.store.Put(young, "x").ok());
  auto young_writer = aged.store.NewWriter(planted_prefix + "9/100/7");
  ASSERT_TRUE(young_writer.ok() && (*young_writer)->Append("part").ok());

  auto engine = aged.Open(/*gc_interval_ms=*/20);
  for (int i = 0; i < 500 && engine->Garbage().rounds == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  GarbageTotals totals = engine->Garbage();
  ASSERT_GE(totals.rounds, 1);
  EXPECT_EQ(totals.failed, 0);
  EXPECT_EQ(totals.deleted, 3);
  EXPECT_EQ(totals.deleted_bytes, 3);
  EXPECT_EQ(totals.aborted_uploads, 1);
  auto pending = aged.store.ListPendingUploads("");
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ(pending->front().key, planted_prefix + "9/100/7") << "the young upload is kept";
  EXPECT_FALSE((*dead_writer)->Complete().ok()) << "its upload was aborted";
  std::vector<std::string> expected = live;
  expected.push_back(young);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(aged.Keys(), expected);
  EXPECT_EQ(CountRows(*engine), 110);
  engine.reset();
  EXPECT_EQ(CountRows(*aged.Open(0)), 110) << "a restart finds every row";
}

TEST(CollectGarbageTest, SkipsARoundWhileAFlushIsInProgress) {
  AgedEngine aged;
  auto catalog = Catalog::Open(&aged.store, "");
  ASSERT_TRUE(catalog.ok());
  ASSERT_TRUE(aged.store.Put("insert_log/1/2/3/100/4", "x").ok());
  PendingWrites flushes;
  {
    PendingWrites::Scope flush(&flushes);
    auto report = CollectGarbage(&aged.store, "", catalog->get(), flushes, kHourMs);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->skipped);
    EXPECT_EQ(aged.Keys().size(), 1u);
  }
  auto report = CollectGarbage(&aged.store, "", catalog->get(), flushes, kHourMs);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->skipped);
  EXPECT_EQ(report->deleted, 1);
  EXPECT_TRUE(aged.Keys().empty());
}

TEST(BackgroundGarbageTest, ARoundSkippedForAFlushIsRetriedBeforeTheInterval) {
  MemoryObjectStore store;
  auto catalog = Catalog::Open(&store, "");
  ASSERT_TRUE(catalog.ok());
  PendingWrites flushes;
  auto flush = std::make_unique<PendingWrites::Scope>(&flushes);
  SegmentWorkContext ctx;
  ctx.store = &store;
  ctx.catalog = catalog->get();
  ctx.flushes = &flushes;
  BackgroundOptions options;
  options.gc_interval_ms = 1500;
  options.gc_retry_ms = 20;
  BackgroundWorker worker(ctx, options, [](int64_t) { return nullptr; });
  auto wait_for = [&](auto done) {
    for (int i = 0; i < 2000 && !done(worker.Garbage()); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return done(worker.Garbage());
  };
  ASSERT_TRUE(wait_for([](const GarbageTotals& t) { return t.skipped >= 1; }));
  flush.reset();  // the flush ends just after the round it made skip
  const auto released = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_for([](const GarbageTotals& t) { return t.rounds > t.skipped; }));
  const auto waited = std::chrono::steady_clock::now() - released;
  // A retry 20 ms after each skip; without it the next round would be 1.5 s after the skip.
  EXPECT_LT(waited, std::chrono::milliseconds(1200));
  EXPECT_EQ(worker.Garbage().failed, 0);
}

TEST(CollectGarbageTest, AStaleServerDeletesNothing) {
  AgedEngine aged;
  auto stale = Catalog::Open(&aged.store, "");
  ASSERT_TRUE(stale.ok());
  // Another server commits a manifest naming an object the stale one has never heard of.
  auto other = Catalog::Open(&aged.store, "");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)
                  ->Commit([](Manifest& m) {
                    CollectionMeta c;
                    c.collection_id = 1;
                    c.schema.name = "c";
                    SegmentMeta seg;
                    seg.segment_id = 3;
                    seg.partition_id = 2;
                    seg.column_files = {{100, "insert_log/1/2/3/100/4", 1}};
                    c.segments.push_back(seg);
                    m.collections.push_back(c);
                    return Status::Ok();
                  })
                  .ok());
  ASSERT_TRUE(aged.store.Put("insert_log/1/2/3/100/4", "x").ok());
  PendingWrites flushes;
  auto report = CollectGarbage(&aged.store, "", stale->get(), flushes, kHourMs);
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(aged.store.Get("insert_log/1/2/3/100/4").status().code(), StatusCode::kOk);
}

}  // namespace
}  // namespace strata
