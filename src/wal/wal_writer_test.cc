#include "wal/wal_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "objstore/memory_store.h"
#include "wal/wal_reader.h"

namespace strata {
namespace {

constexpr std::string_view kPrefix = "wal/7/0/";

// MemoryObjectStore with knobs: a delay in Put (forces group commit under contention), a
// failing Nth Put (optionally after storing the bytes, like a Put whose reply was lost),
// failing DeleteMany, and call counters.
class TestStore : public MemoryObjectStore {
 public:
  Status Put(std::string_view key, std::string_view data) override {
    int n = ++puts;
    if (put_delay.count() > 0) std::this_thread::sleep_for(put_delay);
    if (n == fail_put_number) {
      if (store_before_failing) (void)MemoryObjectStore::Put(key, data);
      return Unavailable("injected Put failure");
    }
    return MemoryObjectStore::Put(key, data);
  }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override {
    ++lists;
    return MemoryObjectStore::List(prefix);
  }
  Status DeleteMany(std::span<const std::string> keys) override {
    if (fail_deletes) return Unavailable("injected DeleteMany failure");
    return MemoryObjectStore::DeleteMany(keys);
  }

  std::atomic<int> puts{0};
  std::atomic<int> lists{0};
  std::chrono::microseconds put_delay{0};
  int fail_put_number = 0;  // 1-based; 0 never
  bool store_before_failing = false;
  bool fail_deletes = false;
};

WalRecord Record(uint64_t ts, std::string payload = "p") {
  return WalRecord{WalRecordType::kInsert, ts, 1, std::move(payload)};
}

std::vector<uint64_t> Lsns(ObjectStore* store) {
  auto r = ListWal(store, kPrefix);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<uint64_t>{};
}

TEST(WalWriterTest, AppendWritesOneObjectThenApplies) {
  TestStore store;
  WalWriter writer(&store, std::string(kPrefix), 1);
  EXPECT_EQ(writer.last_lsn(), 0u);
  std::vector<uint64_t> applied;
  auto lsn = writer.Append(Record(100, "batch"), [&](uint64_t l, const WalRecord& r) {
    // Durable before applied.
    EXPECT_TRUE(store.Head(WalKey(kPrefix, l)).ok());
    EXPECT_EQ(r, Record(100, "batch"));
    applied.push_back(l);
  });
  ASSERT_TRUE(lsn.ok()) << lsn.status().ToString();
  EXPECT_EQ(*lsn, 1u);
  EXPECT_EQ(applied, std::vector<uint64_t>{1});
  EXPECT_EQ(writer.last_lsn(), 1u);
  auto records = ReadWalObject(&store, kPrefix, 1);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(*records, std::vector<WalRecord>{Record(100, "batch")});

  ASSERT_TRUE(writer.Append(Record(101), nullptr).ok());  // no callback is fine
  EXPECT_EQ(Lsns(&store), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(store.lists.load(), 1);  // only the Lsns() above
}

TEST(WalWriterTest, ContinuesFromNextLsn) {
  TestStore store;
  WalWriter writer(&store, std::string(kPrefix), 41);
  EXPECT_EQ(writer.last_lsn(), 40u);
  writer.RunExclusive([](uint64_t applied) { EXPECT_EQ(applied, 40u); });
  auto lsn = writer.Append(Record(1), nullptr);
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 41u);
  EXPECT_TRUE(store.Head(std::string(kPrefix) + "00000000000000000041").ok());
}

TEST(WalWriterTest, GroupCommitAppliesEachRecordOnceInLsnOrder) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  TestStore store;
  store.put_delay = std::chrono::microseconds(500);
  WalWriter writer(&store, std::string(kPrefix), 1);

  std::vector<std::pair<uint64_t, uint64_t>> applied;  // (lsn, timestamp), apply order
  std::atomic<bool> in_apply{false};
  std::atomic<int> overlaps{0};
  std::map<uint64_t, uint64_t> returned;  // timestamp -> lsn from Append
  std::mutex returned_mu;
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        uint64_t ts = static_cast<uint64_t>(t) * 1000 + i;
        auto lsn = writer.Append(Record(ts, std::string(static_cast<size_t>(i % 7), 'x')),
                                 [&](uint64_t l, const WalRecord& r) {
                                   if (in_apply.exchange(true)) ++overlaps;
                                   applied.emplace_back(l, r.timestamp);
                                   in_apply = false;
                                 });
        if (!lsn.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard lock(returned_mu);
        returned[ts] = *lsn;
      }
    });
  }
  for (auto& th : threads) th.join();

  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(overlaps.load(), 0);
  ASSERT_EQ(applied.size(), size_t{kThreads * kPerThread});
  ASSERT_EQ(returned.size(), size_t{kThreads * kPerThread});
  std::map<int, uint64_t> last_seen_per_thread;
  for (size_t i = 0; i < applied.size(); ++i) {
    auto [lsn, ts] = applied[i];
    if (i > 0) {
      EXPECT_LE(applied[i - 1].first, lsn);
    }
    EXPECT_EQ(returned[ts], lsn);
    int thread = static_cast<int>(ts / 1000);
    // Each thread appends sequentially, so its records apply in its own order.
    if (last_seen_per_thread.contains(thread)) {
      EXPECT_LT(last_seen_per_thread[thread], ts);
    }
    last_seen_per_thread[thread] = ts;
  }

  // The objects hold exactly the applied records, in the applied order, with no gaps.
  std::vector<uint64_t> lsns = Lsns(&store);
  EXPECT_LT(lsns.size(), applied.size()) << "contended appends were not grouped";
  ASSERT_FALSE(lsns.empty());
  EXPECT_EQ(lsns.front(), 1u);
  EXPECT_EQ(lsns.back(), lsns.size());
  EXPECT_EQ(writer.last_lsn(), lsns.size());
  size_t next = 0;
  for (uint64_t lsn : lsns) {
    auto records = ReadWalObject(&store, kPrefix, lsn);
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    for (const auto& r : *records) {
      ASSERT_LT(next, applied.size());
      EXPECT_EQ(applied[next], std::make_pair(lsn, r.timestamp));
      ++next;
    }
  }
  EXPECT_EQ(next, applied.size());
}

TEST(WalWriterTest, MaxBatchBytesBoundsAGroup) {
  TestStore store;
  store.put_delay = std::chrono::microseconds(500);
  WalWriter writer(&store, std::string(kPrefix), 1, WalOptions{.max_batch_bytes = 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ASSERT_TRUE(writer.Append(Record(i), nullptr).ok());
    });
  for (auto& th : threads) th.join();
  // Every record is larger than the bound, so each one goes alone.
  EXPECT_EQ(Lsns(&store).size(), 80u);
}

TEST(WalWriterTest, LingerGathersConcurrentAppends) {
  TestStore store;
  WalWriter writer(&store, std::string(kPrefix), 1, WalOptions{.linger_us = 200'000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] { ASSERT_TRUE(writer.Append(Record(t), nullptr).ok()); });
  for (auto& th : threads) th.join();
  EXPECT_LT(Lsns(&store).size(), 4u);
}

TEST(WalWriterTest, FailedPutAppliesNothingAndReusesTheLsn) {
  for (bool stored : {false, true}) {
    SCOPED_TRACE(stored ? "Put stored the bytes before failing" : "Put stored nothing");
    TestStore store;
    store.fail_put_number = 2;
    store.store_before_failing = stored;
    WalWriter writer(&store, std::string(kPrefix), 1);
    std::vector<uint64_t> applied;
    auto apply = [&](uint64_t l, const WalRecord& r) { applied.push_back(r.timestamp); };

    ASSERT_TRUE(writer.Append(Record(1), apply).ok());
    auto failed = writer.Append(Record(2), apply);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(failed.status().message().find(WalKey(kPrefix, 2)), std::string_view::npos);
    EXPECT_EQ(applied, std::vector<uint64_t>{1});
    EXPECT_EQ(writer.last_lsn(), 1u);

    auto lsn = writer.Append(Record(3), apply);
    ASSERT_TRUE(lsn.ok());
    EXPECT_EQ(*lsn, 2u);
    EXPECT_EQ(applied, (std::vector<uint64_t>{1, 3}));
    auto records = ReadWalObject(&store, kPrefix, 2);
    ASSERT_TRUE(records.ok());
    EXPECT_EQ(*records, std::vector<WalRecord>{Record(3)});
  }
}

TEST(WalWriterTest, FailedGroupUnderContentionFailsOnlyItsRecords) {
  TestStore store;
  store.put_delay = std::chrono::microseconds(300);
  store.fail_put_number = 5;
  WalWriter writer(&store, std::string(kPrefix), 1);
  std::atomic<int> ok{0}, failed{0};
  std::vector<uint64_t> applied_lsns;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 30; ++i) {
        auto r = writer.Append(Record(i),
                               [&](uint64_t l, const WalRecord&) { applied_lsns.push_back(l); });
        (r.ok() ? ok : failed)++;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_GE(failed.load(), 1);
  EXPECT_EQ(static_cast<size_t>(ok.load()), applied_lsns.size());
  EXPECT_EQ(ok.load() + failed.load(), 180);
  // The objects hold exactly the acknowledged records, at contiguous lsns.
  size_t stored = 0;
  std::vector<uint64_t> lsns = Lsns(&store);
  for (size_t i = 0; i < lsns.size(); ++i) {
    EXPECT_EQ(lsns[i], i + 1);
    stored += ReadWalObject(&store, kPrefix, lsns[i])->size();
  }
  EXPECT_EQ(stored, applied_lsns.size());
}

TEST(WalWriterTest, RunExclusiveSeesAConsistentCut) {
  TestStore store;
  store.put_delay = std::chrono::microseconds(200);
  WalWriter writer(&store, std::string(kPrefix), 1);
  uint64_t last_applied_by_callback = 0;  // written under the apply mutex
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i)
        ASSERT_TRUE(writer
                        .Append(Record(i),
                                [&](uint64_t l, const WalRecord&) { last_applied_by_callback = l; })
                        .ok());
    });
  int checks = 0;
  std::thread checker([&] {
    while (!stop) {
      writer.RunExclusive([&](uint64_t last_applied) {
        EXPECT_EQ(last_applied, last_applied_by_callback);
        EXPECT_LE(last_applied, writer.last_lsn());
      });
      ++checks;
    }
  });
  for (auto& th : threads) th.join();
  stop = true;
  checker.join();
  EXPECT_GT(checks, 0);
  writer.RunExclusive([&](uint64_t last_applied) { EXPECT_EQ(last_applied, writer.last_lsn()); });
}

TEST(WalWriterTest, TruncateDeletesExactlyTheKnownObjectsWithoutListing) {
  TestStore store;
  {
    WalWriter before_crash(&store, std::string(kPrefix), 3);
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(before_crash.Append(Record(i), nullptr).ok());
  }
  // An object this writer never hears about, and one outside the prefix.
  ASSERT_TRUE(store.Put(WalKey(kPrefix, 1), "stray").ok());
  ASSERT_TRUE(store.Put(WalKey("wal/7/1/", 2), "other shard").ok());

  auto existing = ListWal(&store, kPrefix);
  ASSERT_TRUE(existing.ok());
  EXPECT_EQ(*existing, (std::vector<uint64_t>{1, 3, 4}));
  WalWriter writer(&store, std::string(kPrefix), 5);
  writer.AdoptExisting({3, 4});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer.Append(Record(i), nullptr).ok());  // 5, 6, 7
  int lists_before = store.lists.load();

  ASSERT_TRUE(writer.TruncateThrough(5).ok());
  EXPECT_EQ(Lsns(&store), (std::vector<uint64_t>{1, 6, 7}));
  ASSERT_TRUE(writer.TruncateThrough(5).ok());  // nothing left to do
  ASSERT_TRUE(writer.TruncateThrough(100).ok());
  EXPECT_EQ(Lsns(&store), std::vector<uint64_t>{1});
  EXPECT_TRUE(store.Head(WalKey("wal/7/1/", 2)).ok());
  EXPECT_EQ(store.lists.load() - lists_before, 2);  // only the two Lsns() calls here

  // Appends continue after a full truncation.
  auto lsn = writer.Append(Record(9), nullptr);
  ASSERT_TRUE(lsn.ok());
  EXPECT_EQ(*lsn, 8u);
}

TEST(WalWriterTest, FailedTruncateIsRetried) {
  TestStore store;
  WalWriter writer(&store, std::string(kPrefix), 1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(writer.Append(Record(i), nullptr).ok());
  store.fail_deletes = true;
  Status st = writer.TruncateThrough(2);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(Lsns(&store), (std::vector<uint64_t>{1, 2, 3}));
  store.fail_deletes = false;
  ASSERT_TRUE(writer.TruncateThrough(2).ok());
  EXPECT_EQ(Lsns(&store), std::vector<uint64_t>{3});
}

}  // namespace
}  // namespace strata
