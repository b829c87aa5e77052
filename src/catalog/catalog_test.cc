#include "catalog/catalog.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "objstore/memory_store.h"

namespace strata {
namespace {

// A MemoryObjectStore whose PutIfAbsent, Get and DeleteMany can be made to fail.
class FaultyStore : public MemoryObjectStore {
 public:
  enum class PutFault { kNone, kFailBefore, kFailAfter, kAlreadyExistsAfter };

  Status PutIfAbsent(std::string_view key, std::string_view data) override {
    PutFault fault = put_fault.exchange(PutFault::kNone);
    if (fault == PutFault::kFailBefore) return Unavailable("injected: PUT failed");
    Status st = MemoryObjectStore::PutIfAbsent(key, data);
    if (!st.ok() || fault == PutFault::kNone) return st;
    // The object was stored, but the caller hears otherwise (timeout, or a retry of it).
    return fault == PutFault::kFailAfter ? Status(StatusCode::kDeadlineExceeded, "injected")
                                         : AlreadyExists("injected: retried PUT");
  }
  Result<std::string> Get(std::string_view key) override {
    if (get_fails > 0) {
      --get_fails;
      return Unavailable("injected: GET failed");
    }
    return MemoryObjectStore::Get(key);
  }
  Status DeleteMany(std::span<const std::string> keys) override {
    if (fail_deletes) return Unavailable("injected: DELETE failed");
    return MemoryObjectStore::DeleteMany(keys);
  }

  std::atomic<PutFault> put_fault{PutFault::kNone};
  std::atomic<int> get_fails{0};
  std::atomic<bool> fail_deletes{false};
};

std::unique_ptr<Catalog> MustOpen(ObjectStore* store, std::string root = "") {
  auto catalog = Catalog::Open(store, std::move(root));
  EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
  return catalog.ok() ? std::move(catalog).value() : nullptr;
}

// A mutation that adds collection `name` (with id `id`).
std::function<Status(Manifest&)> AddCollection(std::string name, int64_t id) {
  return [name, id](Manifest& m) {
    CollectionMeta c;
    c.collection_id = id;
    c.schema.name = name;
    m.collections.push_back(std::move(c));
    return Status::Ok();
  };
}

std::vector<std::string> Keys(ObjectStore& store, std::string_view prefix = "") {
  std::vector<std::string> keys;
  auto listed = store.List(prefix);
  EXPECT_TRUE(listed.ok()) << listed.status().ToString();
  if (listed.ok())
    for (const auto& info : *listed) keys.push_back(info.key);
  return keys;
}

TEST(CatalogTest, KeysAreZeroPadded) {
  EXPECT_EQ(ManifestKey("", 12), "catalog/00000000000000000012");
  EXPECT_EQ(ManifestKey("a/b/", 1), "a/b/catalog/00000000000000000001");
  EXPECT_EQ(ManifestPrefix("a/"), "a/catalog/");
}

TEST(CatalogTest, OpenOnEmptyStoreStartsAtZero) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  EXPECT_EQ(catalog->version(), 0u);
  EXPECT_EQ(catalog->Snapshot(), Manifest{});
  EXPECT_TRUE(Keys(store).empty());
}

TEST(CatalogTest, RootMustEndWithSlash) {
  MemoryObjectStore store;
  auto catalog = Catalog::Open(&store, "a/b");
  ASSERT_FALSE(catalog.ok());
  EXPECT_EQ(catalog.status().code(), StatusCode::kInvalidArgument);
}

TEST(CatalogTest, CommitsIncrementVersionAndSurviveReopen) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  ASSERT_TRUE(catalog->Commit(AddCollection("b", 2)).ok());
  ASSERT_TRUE(catalog
                  ->Commit([](Manifest& m) {
                    m.FindCollection("a")->loaded = true;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(catalog->version(), 3u);
  Manifest snap = catalog->Snapshot();
  EXPECT_EQ(snap.version, 3u);
  ASSERT_EQ(snap.collections.size(), 2u);
  EXPECT_TRUE(snap.FindCollection("a")->loaded);

  EXPECT_EQ(Keys(store), (std::vector<std::string>{"catalog/00000000000000000001",
                                                   "catalog/00000000000000000002",
                                                   "catalog/00000000000000000003"}));
  auto reopened = MustOpen(&store);
  EXPECT_EQ(reopened->version(), 3u);
  EXPECT_EQ(reopened->Snapshot(), snap);
}

TEST(CatalogTest, SnapshotIsACopy) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  Manifest snap = catalog->Snapshot();
  snap.collections.clear();
  EXPECT_EQ(catalog->Snapshot().collections.size(), 1u);
}

TEST(CatalogTest, FailedMutationWritesNothing) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  Status st = catalog->Commit([](Manifest& m) {
    m.collections.clear();
    return InvalidArgument("no such partition");
  });
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "no such partition");
  EXPECT_EQ(catalog->version(), 1u);
  EXPECT_EQ(catalog->Snapshot().collections.size(), 1u);
  EXPECT_EQ(Keys(store).size(), 1u);
}

TEST(CatalogTest, MutateCannotChooseTheVersion) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog
                  ->Commit([](Manifest& m) {
                    m.version = 99;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(catalog->version(), 1u);
  EXPECT_EQ(Keys(store), std::vector<std::string>{"catalog/00000000000000000001"});
}

TEST(CatalogTest, SecondWriterFencesTheStaleOne) {
  MemoryObjectStore store;
  auto first = MustOpen(&store);
  ASSERT_TRUE(first->Commit(AddCollection("a", 1)).ok());
  auto second = MustOpen(&store);
  ASSERT_TRUE(second->Commit(AddCollection("b", 2)).ok());

  Status st = first->Commit(AddCollection("c", 3));
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("another Strata server is writing to mem://"), std::string_view::npos)
      << st.ToString();
  EXPECT_EQ(first->version(), 1u);
  EXPECT_EQ(first->Snapshot().FindCollection("c"), nullptr);

  // The loser stays fenced, even once the winner prunes the version it collided on.
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(second->Commit(AddCollection(fmt::format("x{}", i), 10 + i)).ok());
  EXPECT_EQ(first->Commit(AddCollection("c", 3)).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MustOpen(&store)->Snapshot(), second->Snapshot());
}

TEST(CatalogTest, PrunesToKeepVersions) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  for (int i = 1; i <= 25; ++i) ASSERT_TRUE(catalog->Commit(AddCollection("c", i)).ok());
  std::vector<std::string> keys = Keys(store);
  ASSERT_EQ(keys.size(), Catalog::kKeepVersions);
  EXPECT_EQ(keys.front(), ManifestKey("", 16));
  EXPECT_EQ(keys.back(), ManifestKey("", 25));
}

TEST(CatalogTest, FailedPruningIsRetriedAndNotReported) {
  FaultyStore store;
  auto catalog = MustOpen(&store);
  store.fail_deletes = true;
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(catalog->Commit(AddCollection("c", i)).ok());
  EXPECT_EQ(Keys(store).size(), 12u);
  store.fail_deletes = false;
  ASSERT_TRUE(catalog->Commit(AddCollection("c", 13)).ok());
  std::vector<std::string> keys = Keys(store);
  ASSERT_EQ(keys.size(), Catalog::kKeepVersions);
  EXPECT_EQ(keys.front(), ManifestKey("", 4));
}

TEST(CatalogTest, OpenPrunesLeftoversOnFirstCommit) {
  MemoryObjectStore store;
  {
    FaultyStore faulty;  // builds 12 versions without pruning, then copies them over
    faulty.fail_deletes = true;
    auto catalog = MustOpen(&faulty);
    for (int i = 1; i <= 12; ++i) ASSERT_TRUE(catalog->Commit(AddCollection("c", i)).ok());
    for (const auto& key : Keys(faulty)) ASSERT_TRUE(store.Put(key, *faulty.Get(key)).ok());
  }
  auto catalog = MustOpen(&store);
  EXPECT_EQ(catalog->version(), 12u);
  ASSERT_TRUE(catalog->Commit(AddCollection("c", 13)).ok());
  EXPECT_EQ(Keys(store).size(), Catalog::kKeepVersions);
}

TEST(CatalogTest, CorruptLatestIsDataLossNamingTheKey) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  ASSERT_TRUE(catalog->Commit(AddCollection("b", 2)).ok());
  const std::string key = ManifestKey("", 2);
  std::string bytes = *store.Get(key);
  bytes[bytes.size() / 2] ^= 0x40;
  ASSERT_TRUE(store.Put(key, bytes).ok());

  auto reopened = Catalog::Open(&store, "");
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(reopened.status().message().find(key), std::string_view::npos)
      << reopened.status().ToString();
}

TEST(CatalogTest, ManifestUnderTheWrongVersionKeyIsDataLoss) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  ASSERT_TRUE(store.Put(ManifestKey("", 5), *store.Get(ManifestKey("", 1))).ok());
  auto reopened = Catalog::Open(&store, "");
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(reopened.status().message().find(ManifestKey("", 5)), std::string_view::npos);
}

TEST(CatalogTest, IgnoresForeignKeysUnderThePrefix) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  ASSERT_TRUE(store.Put("catalog/README", "not a manifest").ok());
  ASSERT_TRUE(store.Put("catalog/00000000000000000009.tmp", "partial").ok());
  auto reopened = MustOpen(&store);
  EXPECT_EQ(reopened->version(), 1u);
}

TEST(CatalogTest, RootPrefixIsRespected) {
  MemoryObjectStore store;
  auto other = MustOpen(&store, "");
  ASSERT_TRUE(other->Commit(AddCollection("outside", 9)).ok());

  auto catalog = MustOpen(&store, "a/b/");
  EXPECT_EQ(catalog->version(), 0u);
  EXPECT_EQ(catalog->root(), "a/b/");
  ASSERT_TRUE(catalog->Commit(AddCollection("inside", 1)).ok());
  EXPECT_EQ(Keys(store, "a/b/"), std::vector<std::string>{"a/b/catalog/00000000000000000001"});

  auto reopened = MustOpen(&store, "a/b/");
  EXPECT_EQ(reopened->version(), 1u);
  EXPECT_NE(reopened->Snapshot().FindCollection("inside"), nullptr);
  EXPECT_EQ(reopened->Snapshot().FindCollection("outside"), nullptr);
}

TEST(CatalogTest, StoreErrorLeavesStateAndStaysRetriable) {
  FaultyStore store;
  auto catalog = MustOpen(&store);
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  store.put_fault = FaultyStore::PutFault::kFailBefore;
  Status st = catalog->Commit(AddCollection("b", 2));
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_TRUE(st.retriable());
  EXPECT_EQ(catalog->version(), 1u);
  EXPECT_EQ(catalog->Snapshot().FindCollection("b"), nullptr);

  ASSERT_TRUE(catalog->Commit(AddCollection("b", 2)).ok());
  EXPECT_EQ(catalog->version(), 2u);
}

TEST(CatalogTest, WriteThatLandedDespiteAnErrorIsOurs) {
  FaultyStore store;
  auto catalog = MustOpen(&store);
  // A timeout after the store applied the PUT: reading back shows it landed.
  store.put_fault = FaultyStore::PutFault::kFailAfter;
  ASSERT_TRUE(catalog->Commit(AddCollection("a", 1)).ok());
  EXPECT_EQ(catalog->version(), 1u);
  // A retrying decorator reports AlreadyExists for our own earlier attempt.
  store.put_fault = FaultyStore::PutFault::kAlreadyExistsAfter;
  ASSERT_TRUE(catalog->Commit(AddCollection("b", 2)).ok());
  EXPECT_EQ(catalog->version(), 2u);
  EXPECT_EQ(MustOpen(&store)->Snapshot(), catalog->Snapshot());
}

TEST(CatalogTest, UnresolvedWriteIsSettledByTheNextCommit) {
  FaultyStore store;
  auto catalog = MustOpen(&store);
  // The PUT landed, and the read-back fails too: the outcome is unknown.
  store.put_fault = FaultyStore::PutFault::kFailAfter;
  store.get_fails = 1;
  Status st = catalog->Commit(AddCollection("a", 1));
  EXPECT_EQ(st.code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(catalog->version(), 0u);

  // Still unknown: the next commit reports the store error and writes nothing.
  store.get_fails = 1;
  EXPECT_EQ(catalog->Commit(AddCollection("b", 2)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(Keys(store).size(), 1u);

  // Now it can tell: version 1 is ours, so it is adopted and "b" becomes version 2.
  ASSERT_TRUE(catalog->Commit(AddCollection("b", 2)).ok());
  EXPECT_EQ(catalog->version(), 2u);
  Manifest snap = catalog->Snapshot();
  EXPECT_NE(snap.FindCollection("a"), nullptr);
  EXPECT_NE(snap.FindCollection("b"), nullptr);
}

TEST(CatalogTest, SettledIsTheNewestInTheStore) {
  MemoryObjectStore store;
  auto first = MustOpen(&store);
  auto settled = first->Settled();
  ASSERT_TRUE(settled.ok()) << settled.status().ToString();
  EXPECT_EQ((*settled)->version, 0u);
  ASSERT_TRUE(first->Commit(AddCollection("a", 1)).ok());
  settled = first->Settled();
  ASSERT_TRUE(settled.ok()) << settled.status().ToString();
  EXPECT_EQ((*settled)->version, 1u);

  // Another writer commits version 2: the first catalog is stale, and learns it is fenced.
  auto second = MustOpen(&store);
  ASSERT_TRUE(second->Commit(AddCollection("b", 2)).ok());
  EXPECT_EQ(first->Settled().status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(first->Commit(AddCollection("c", 3)).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(second->Settled().ok());
}

TEST(CatalogTest, SettledResolvesAWriteOfUnknownOutcome) {
  FaultyStore store;
  auto catalog = MustOpen(&store);
  store.put_fault = FaultyStore::PutFault::kFailAfter;
  store.get_fails = 1;
  EXPECT_FALSE(catalog->Commit(AddCollection("a", 1)).ok());
  EXPECT_EQ(catalog->version(), 0u);
  // Still unknown: no manifest is offered as the newest.
  store.get_fails = 1;
  EXPECT_EQ(catalog->Settled().status().code(), StatusCode::kUnavailable);
  // Known now: the write landed, and the settled manifest is that version.
  auto settled = catalog->Settled();
  ASSERT_TRUE(settled.ok()) << settled.status().ToString();
  EXPECT_EQ((*settled)->version, 1u);
  EXPECT_NE((*settled)->FindCollection("a"), nullptr);
}

TEST(CatalogTest, ConcurrentCommitsAreSerialized) {
  MemoryObjectStore store;
  auto catalog = MustOpen(&store);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Status st = catalog->Commit([&](Manifest& m) {
          if (m.collections.empty()) RETURN_IF_ERROR(AddCollection("c", 1)(m));
          m.collections[0].partitions.push_back({t * 1000 + i, fmt::format("p{}_{}", t, i), 0});
          return Status::Ok();
        });
        if (!st.ok()) ++failures;
        (void)catalog->Snapshot();  // readers run alongside commits
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(catalog->version(), static_cast<uint64_t>(kThreads * kPerThread));

  Manifest reopened = MustOpen(&store)->Snapshot();
  std::set<std::string> names;
  for (const auto& p : reopened.collections[0].partitions) names.insert(p.name);
  EXPECT_EQ(names.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(reopened.collections[0].partitions.size(), names.size());
}

}  // namespace
}  // namespace strata
