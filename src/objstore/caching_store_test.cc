#include "objstore/caching_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "objstore/memory_store.h"
#include "objstore/metrics_store.h"
#include "objstore/test_temp_dir.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

std::string Key(int i) { return "insert_log/1/2/3/100/" + std::to_string(i); }

std::string Bytes(int i, size_t n = 1000) {
  std::string out(n, '\0');
  for (size_t j = 0; j < n; ++j) out[j] = static_cast<char>((i * 131 + j * 7) & 0xff);
  return out;
}

// A cache over a metrics store over memory, so tests can see what reached the backing store.
class CachingStoreTest : public testing::Test {
 protected:
  void SetUp() override { Reopen(1 << 20); }

  void Reopen(int64_t capacity) {
    // The objects survive a reopen: copy them into the new backing store.
    auto memory = std::make_unique<MemoryObjectStore>();
    if (memory_ != nullptr) {
      auto listed = memory_->List("");
      ASSERT_TRUE(listed.ok());
      for (const auto& info : *listed)
        ASSERT_TRUE(memory->Put(info.key, *memory_->Get(info.key)).ok());
    }
    cache_.reset();
    memory_ = memory.get();
    auto metrics = std::make_unique<MetricsObjectStore>(std::move(memory));
    metrics_ = metrics.get();
    CacheOptions options;
    options.dir = CacheDir();
    options.capacity_bytes = capacity;
    auto opened = CachingObjectStore::Open(std::move(metrics), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    cache_ = std::move(opened).value();
  }

  std::string CacheDir() const { return dir_.path() + "/cache"; }
  int64_t BackingGets() const { return metrics_->Snapshot()[ObjectOp::kGet].requests; }

  std::vector<fs::path> CacheFiles() const {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(CacheDir())) files.push_back(entry.path());
    return files;
  }

  void ExpectGet(const std::string& key, const std::string& want) {
    auto got = cache_->Get(key);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, want);
  }

  TestTempDir dir_;
  MemoryObjectStore* memory_ = nullptr;
  MetricsObjectStore* metrics_ = nullptr;
  std::unique_ptr<CachingObjectStore> cache_;
};

TEST_F(CachingStoreTest, OnlyImmutableKindsAreCacheable) {
  EXPECT_TRUE(cache_->Cacheable("insert_log/1/2/3/4/5"));
  EXPECT_TRUE(cache_->Cacheable("delta_log/1/2/3/4"));
  EXPECT_TRUE(cache_->Cacheable("stats_log/1/2/3/4/5"));
  EXPECT_TRUE(cache_->Cacheable("index_files/1/2/3/4/name"));
  EXPECT_FALSE(cache_->Cacheable("catalog/00000000000000000001"));
  EXPECT_FALSE(cache_->Cacheable("wal/1/0/00000000000000000001"));
  EXPECT_FALSE(cache_->Cacheable("x/insert_log/1"));
}

TEST_F(CachingStoreTest, RootPrefixesTheKinds) {
  CacheOptions options{CacheDir(), 1 << 20, "root/"};
  auto cache = CachingObjectStore::Open(std::make_unique<MemoryObjectStore>(), options);
  ASSERT_TRUE(cache.ok());
  EXPECT_TRUE((*cache)->Cacheable("root/insert_log/1"));
  EXPECT_FALSE((*cache)->Cacheable("insert_log/1"));
}

TEST_F(CachingStoreTest, BadOptionsRejected) {
  EXPECT_EQ(CachingObjectStore::Open(std::make_unique<MemoryObjectStore>(), {CacheDir(), 0, ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CachingObjectStore::Open(std::make_unique<MemoryObjectStore>(), {"", 100, ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CachingObjectStore::Open(std::make_unique<MemoryObjectStore>(), {CacheDir(), 100, "r"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CachingStoreTest, MissThenHit) {
  ASSERT_TRUE(cache_->Put(Key(1), Bytes(1)).ok());
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(1), Bytes(1));
  EXPECT_EQ(BackingGets(), 1);
  CacheStats stats = cache_->Stats();
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.files, 1);
  ASSERT_EQ(CacheFiles().size(), 1u);
  EXPECT_EQ(stats.bytes, static_cast<int64_t>(fs::file_size(CacheFiles()[0])));
  EXPECT_GT(stats.bytes, 1000);
}

TEST_F(CachingStoreTest, OtherKeysPassThrough) {
  ASSERT_TRUE(cache_->Put("wal/1/0/1", "w").ok());
  ExpectGet("wal/1/0/1", "w");
  ExpectGet("wal/1/0/1", "w");
  EXPECT_EQ(BackingGets(), 2);
  EXPECT_EQ(cache_->Stats().misses, 0);
  EXPECT_TRUE(CacheFiles().empty());
}

TEST_F(CachingStoreTest, MissingObjectIsNotFoundAndNotCached) {
  EXPECT_EQ(cache_->Get(Key(9)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(CacheFiles().empty());
}

TEST_F(CachingStoreTest, GetRangeServedFromCache) {
  ASSERT_TRUE(cache_->Put(Key(1), "0123456789").ok());
  auto miss = cache_->GetRange(Key(1), 2, 3);  // a range never fills the cache
  ASSERT_TRUE(miss.ok());
  EXPECT_EQ(*miss, "234");
  EXPECT_TRUE(CacheFiles().empty());
  ExpectGet(Key(1), "0123456789");
  const int64_t gets = BackingGets();
  auto hit = cache_->GetRange(Key(1), 8, 100);
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(*hit, "89");
  EXPECT_EQ(cache_->GetRange(Key(1), 11, 1).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(BackingGets(), gets);
}

TEST_F(CachingStoreTest, EvictsLeastRecentlyUsed) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(cache_->Put(Key(i), Bytes(i)).ok());
  ExpectGet(Key(0), Bytes(0));
  const int64_t file_size = cache_->Stats().bytes;
  Reopen(3 * file_size);  // room for exactly three
  ExpectGet(Key(0), Bytes(0));
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(2), Bytes(2));
  ExpectGet(Key(0), Bytes(0));  // 0 is now more recent than 1
  ExpectGet(Key(3), Bytes(3));  // evicts 1
  EXPECT_EQ(cache_->Stats().evictions, 1);
  EXPECT_EQ(cache_->Stats().bytes, 3 * file_size);
  const int64_t gets = BackingGets();
  ExpectGet(Key(0), Bytes(0));
  ExpectGet(Key(2), Bytes(2));
  ExpectGet(Key(3), Bytes(3));
  EXPECT_EQ(BackingGets(), gets);
  ExpectGet(Key(1), Bytes(1));
  EXPECT_EQ(BackingGets(), gets + 1);
}

TEST_F(CachingStoreTest, ObjectLargerThanCapacityIsNotCached) {
  Reopen(500);
  ASSERT_TRUE(cache_->Put(Key(1), Bytes(1)).ok());
  ExpectGet(Key(1), Bytes(1));
  EXPECT_TRUE(CacheFiles().empty());
  EXPECT_EQ(cache_->Stats().bytes, 0);
}

TEST_F(CachingStoreTest, ReopenKeepsFilesAndRecency) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache_->Put(Key(i), Bytes(i)).ok());
  for (int i = 0; i < 3; ++i) {
    ExpectGet(Key(i), Bytes(i));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ExpectGet(Key(0), Bytes(0));  // a hit touches the file: 0 becomes the most recent
  const int64_t file_size = cache_->Stats().bytes / 3;
  std::ofstream(CacheDir() + "/.tmp.123-leftover") << "partial";
  Reopen(2 * file_size);  // the scan must evict the least recent: 1
  EXPECT_FALSE(fs::exists(CacheDir() + "/.tmp.123-leftover"));
  EXPECT_EQ(cache_->Stats().files, 2);
  const int64_t gets = BackingGets();
  ExpectGet(Key(0), Bytes(0));
  ExpectGet(Key(2), Bytes(2));
  EXPECT_EQ(BackingGets(), gets);
  ExpectGet(Key(1), Bytes(1));
  EXPECT_EQ(BackingGets(), gets + 1);
}

TEST_F(CachingStoreTest, UnknownFilesInTheFolderAreLeftAlone) {
  std::ofstream(CacheDir() + "/README") << "not ours";
  Reopen(1 << 20);
  EXPECT_TRUE(fs::exists(CacheDir() + "/README"));
  EXPECT_EQ(cache_->Stats().files, 0);
}

// Each way a file can go bad: it is discarded, the object fetched again, never returned.
class CorruptionTest : public CachingStoreTest,
                       public testing::WithParamInterface<std::function<void(const fs::path&)>> {};

TEST_P(CorruptionTest, BadFileIsDiscardedAndRefetched) {
  ASSERT_TRUE(cache_->Put(Key(1), Bytes(1)).ok());
  ExpectGet(Key(1), Bytes(1));
  ASSERT_EQ(CacheFiles().size(), 1u);
  GetParam()(CacheFiles()[0]);
  const int64_t gets = BackingGets();
  ExpectGet(Key(1), Bytes(1));
  EXPECT_EQ(BackingGets(), gets + 1);
  EXPECT_EQ(cache_->Stats().discarded, 1);
  ExpectGet(Key(1), Bytes(1));  // refilled: a hit again
  EXPECT_EQ(BackingGets(), gets + 1);
}

void FlipByte(const fs::path& path, int64_t offset_from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-offset_from_end, std::ios::end);
  char c;
  f.get(c);
  f.seekp(-offset_from_end, std::ios::end);
  f.put(static_cast<char>(c ^ 0x40));
}

INSTANTIATE_TEST_SUITE_P(
    Corruptions, CorruptionTest,
    testing::Values([](const fs::path& p) { FlipByte(p, 1000); },  // in the object bytes
                    [](const fs::path& p) { FlipByte(p, 25); },    // in the key
                    [](const fs::path& p) { FlipByte(p, 1); },     // in the trailer
                    [](const fs::path& p) { fs::resize_file(p, fs::file_size(p) / 2); },
                    [](const fs::path& p) { fs::resize_file(p, 5); },
                    [](const fs::path& p) { fs::resize_file(p, 0); },
                    [](const fs::path& p) { std::ofstream(p, std::ios::app) << "junk"; }));

TEST_F(CachingStoreTest, FileHoldingAnotherKeyIsNotReturned) {
  ASSERT_TRUE(cache_->Put(Key(1), Bytes(1)).ok());
  ASSERT_TRUE(cache_->Put(Key(2), Bytes(2)).ok());
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(2), Bytes(2));
  auto files = CacheFiles();
  ASSERT_EQ(files.size(), 2u);
  fs::copy_file(files[0], files[1], fs::copy_options::overwrite_existing);
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(2), Bytes(2));
  EXPECT_EQ(cache_->Stats().discarded, 1);
}

TEST_F(CachingStoreTest, FolderDeletedWhileRunning) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cache_->Put(Key(i), Bytes(i)).ok());
  for (int i = 0; i < 3; ++i) ExpectGet(Key(i), Bytes(i));
  fs::remove_all(CacheDir());
  const int64_t gets = BackingGets();
  for (int i = 0; i < 3; ++i) ExpectGet(Key(i), Bytes(i));
  EXPECT_EQ(BackingGets(), gets + 3);
  EXPECT_EQ(cache_->Stats().discarded, 0);
  for (int i = 0; i < 3; ++i) ExpectGet(Key(i), Bytes(i));  // the folder came back
  EXPECT_EQ(BackingGets(), gets + 3);
  EXPECT_EQ(CacheFiles().size(), 3u);
  EXPECT_EQ(cache_->Stats().files, 3);
}

TEST_F(CachingStoreTest, DeleteDropsTheCachedCopy) {
  ASSERT_TRUE(cache_->Put(Key(1), Bytes(1)).ok());
  ASSERT_TRUE(cache_->Put(Key(2), Bytes(2)).ok());
  ExpectGet(Key(1), Bytes(1));
  ExpectGet(Key(2), Bytes(2));
  ASSERT_TRUE(cache_->Delete(Key(1)).ok());
  EXPECT_EQ(cache_->Get(Key(1)).status().code(), StatusCode::kNotFound);
  std::vector<std::string> keys = {Key(2)};
  ASSERT_TRUE(cache_->DeleteMany(keys).ok());
  EXPECT_EQ(cache_->Get(Key(2)).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(CacheFiles().empty());
  EXPECT_EQ(cache_->Stats().bytes, 0);
}

TEST_F(CachingStoreTest, PutReplacesTheCachedCopy) {
  ASSERT_TRUE(cache_->Put(Key(1), "old").ok());
  ExpectGet(Key(1), "old");
  ASSERT_TRUE(cache_->Put(Key(1), "new").ok());
  ExpectGet(Key(1), "new");
}

TEST_F(CachingStoreTest, ConcurrentGetsWithEvictionAndDeletedFiles) {
  constexpr int kKeys = 24;
  for (int i = 0; i < kKeys; ++i) ASSERT_TRUE(cache_->Put(Key(i), Bytes(i, 2000 + i)).ok());
  Reopen(8 * 2100);  // a third of the keys fit: constant eviction
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 300; ++n) {
        int i = (n * 7 + t * 5) % kKeys;
        auto got = cache_->Get(Key(i));
        if (!got.ok() || *got != Bytes(i, 2000 + i)) ++wrong;
      }
    });
  }
  std::thread vandal([&] {
    while (!stop) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(CacheDir(), ec)) {
        fs::remove(entry.path(), ec);
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  for (auto& thread : threads) thread.join();
  stop = true;
  vandal.join();
  EXPECT_EQ(wrong, 0);
  CacheStats stats = cache_->Stats();
  EXPECT_EQ(stats.hits + stats.misses, 6 * 300);
  EXPECT_LE(stats.bytes, 8 * 2100);
  EXPECT_GT(stats.hits, 0);
}

}  // namespace
}  // namespace strata
