// The ObjectStore contract: every implementation runs these same tests, so code above the
// store can rely on one behaviour whatever the URI. Add new implementations to kFactories.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <random>
#include <thread>

#include "objstore/local_store.h"
#include "objstore/memory_store.h"
#include "objstore/object_store.h"
#include "objstore/s3/fake_s3.h"
#include "objstore/s3/s3_store.h"
#include "objstore/test_temp_dir.h"

namespace strata {
namespace {

struct StoreFactory {
  std::string name;
  // Makes a store that keeps its objects under `dir` (a fresh, empty directory).
  std::function<Result<std::unique_ptr<ObjectStore>>(const std::string& dir)> make;
  // Non-empty: the reason this store cannot run here (the test is skipped).
  std::function<std::string()> skip_reason = [] { return std::string(); };
  // Stores that outlive the test (a shared bucket) are emptied after each test.
  bool cleanup = false;
};

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// A prefix no other test (or earlier run) uses, so S3 tests can share one bucket.
std::string UniqueTestPrefix() {
  static std::atomic<int> counter{0};
  const auto* info = testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? info->name() : "test";
  std::replace(name.begin(), name.end(), '/', '-');
  return "strata-test/" + std::to_string(getpid()) + "-" + std::to_string(std::random_device{}()) +
         "-" + std::to_string(counter++) + "-" + name;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

Result<std::unique_ptr<ObjectStore>> OpenFakeS3(const std::string&) {
  // One fake service for the whole binary; each test gets its own prefix in it.
  static s3::FakeS3 fake("AKIAFAKE", "fake-secret");
  fake.CreateBucket("contract");
  fake.set_list_page_size(7);  // make List page even in small tests
  S3Options options;
  options.endpoint = "http://fake.invalid";
  options.bucket = "contract";
  options.prefix = UniqueTestPrefix();
  options.access_key = "AKIAFAKE";
  options.secret_key = "fake-secret";
  options.part_size = 5 << 20;
  ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(options, fake.NewTransport()));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

// A real S3 service, when the environment names one (see doc/storage.md).
Result<std::unique_ptr<ObjectStore>> OpenRealS3(const std::string&) {
  S3Options options;
  options.endpoint = Env("STRATA_TEST_S3_ENDPOINT");
  options.bucket = Env("STRATA_TEST_S3_BUCKET");
  options.prefix = UniqueTestPrefix();
  if (!Env("STRATA_TEST_S3_REGION").empty()) options.region = Env("STRATA_TEST_S3_REGION");
  options.access_key = Env("AWS_ACCESS_KEY_ID");
  options.secret_key = Env("AWS_SECRET_ACCESS_KEY");
  options.session_token = Env("AWS_SESSION_TOKEN");
  options.create_bucket = true;
  options.part_size = 5 << 20;
  ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(options));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

std::string RealS3SkipReason() {
  for (const char* name : {"STRATA_TEST_S3_ENDPOINT", "STRATA_TEST_S3_BUCKET", "AWS_ACCESS_KEY_ID",
                           "AWS_SECRET_ACCESS_KEY"})
    if (Env(name).empty()) return std::string(name) + " is not set; no real S3 to test against";
  return "";
}

const StoreFactory kFactories[] = {
    {"Memory",
     [](const std::string&) -> Result<std::unique_ptr<ObjectStore>> {
       return std::unique_ptr<ObjectStore>(std::make_unique<MemoryObjectStore>());
     }},
    {"Local",
     [](const std::string& dir) -> Result<std::unique_ptr<ObjectStore>> {
       ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(dir + "/root"));
       return std::unique_ptr<ObjectStore>(std::move(store));
     }},
    {"S3Fake", OpenFakeS3, [] { return std::string(); }, true},
    {"S3", OpenRealS3, RealS3SkipReason, true},
};

class ObjectStoreContractTest : public testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    std::string skip = GetParam().skip_reason();
    if (!skip.empty()) GTEST_SKIP() << skip;
    auto store = GetParam().make(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  void TearDown() override {
    if (store_ == nullptr || !GetParam().cleanup) return;
    auto listed = store_->List("");
    if (!listed.ok()) return;
    std::vector<std::string> keys;
    for (const auto& info : *listed) keys.push_back(info.key);
    EXPECT_TRUE(store_->DeleteMany(keys).ok());
    if (auto uploads = store_->ListPendingUploads(""); uploads.ok())
      for (const PendingUpload& upload : *uploads) (void)store_->AbortPendingUpload(upload);
  }

  void PutOrDie(std::string_view key, std::string_view data) {
    Status st = store_->Put(key, data);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  std::string GetOrDie(std::string_view key) {
    auto got = store_->Get(key);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::string();
  }

  std::vector<std::string> ListKeys(std::string_view prefix) {
    auto listed = store_->List(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok())
      for (const auto& info : *listed) keys.push_back(info.key);
    return keys;
  }

  std::vector<std::string> PendingKeys(std::string_view prefix) {
    auto listed = store_->ListPendingUploads(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok())
      for (const auto& upload : *listed) keys.push_back(upload.key);
    return keys;
  }

  // A writer for `key` holding one byte more than the S3 stores' part size (5 MiB), so that
  // every store has begun its upload.
  std::unique_ptr<MultipartWriter> WriterWithAPart(std::string_view key) {
    auto writer = store_->NewWriter(key);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    if (!writer.ok()) return nullptr;
    Status st = (*writer)->Append(std::string((5 << 20) + 1, 'p'));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return std::move(writer).value();
  }

  TestTempDir dir_;
  std::unique_ptr<ObjectStore> store_;
};

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

TEST_P(ObjectStoreContractTest, PutGetRoundTrip) {
  PutOrDie("a/b/c.txt", "hello");
  EXPECT_EQ(GetOrDie("a/b/c.txt"), "hello");
}

TEST_P(ObjectStoreContractTest, EmptyObject) {
  PutOrDie("empty", "");
  EXPECT_EQ(GetOrDie("empty"), "");
  auto head = store_->Head("empty");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, 0);
}

TEST_P(ObjectStoreContractTest, BinaryObjectWithEmbeddedNuls) {
  std::string data("\0a\0\0b", 5);
  for (int i = 0; i < 256; ++i) data.push_back(static_cast<char>(i));
  PutOrDie("bin", data);
  EXPECT_EQ(GetOrDie("bin"), data);
}

TEST_P(ObjectStoreContractTest, DotsInsideSegmentsAreOrdinaryKeys) {
  PutOrDie("v1.2/.meta", "x");
  PutOrDie("a..b", "y");
  EXPECT_EQ(GetOrDie("v1.2/.meta"), "x");
  EXPECT_EQ(GetOrDie("a..b"), "y");
}

TEST_P(ObjectStoreContractTest, OverwriteReplacesWholeObject) {
  PutOrDie("k", "a much longer first version");
  PutOrDie("k", "short");
  EXPECT_EQ(GetOrDie("k"), "short");
  EXPECT_EQ(ListKeys("").size(), 1u);
}

TEST_P(ObjectStoreContractTest, PutIfAbsentConflicts) {
  ASSERT_TRUE(store_->PutIfAbsent("manifest/1", "first").ok());
  Status second = store_->PutIfAbsent("manifest/1", "second");
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists) << second.ToString();
  EXPECT_NE(second.message().find("manifest/1"), std::string_view::npos);
  EXPECT_EQ(GetOrDie("manifest/1"), "first");
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"manifest/1"});
  // Once deleted, the key is free again.
  ASSERT_TRUE(store_->Delete("manifest/1").ok());
  EXPECT_TRUE(store_->PutIfAbsent("manifest/1", "third").ok());
  EXPECT_EQ(GetOrDie("manifest/1"), "third");
}

TEST_P(ObjectStoreContractTest, PutIfAbsentRaceHasOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> wins{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Status st = store_->PutIfAbsent("lease", "writer " + std::to_string(t));
      if (st.ok()) wins++;
      if (st.code() == StatusCode::kAlreadyExists) conflicts++;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  EXPECT_TRUE(GetOrDie("lease").starts_with("writer "));
}

TEST_P(ObjectStoreContractTest, GetRange) {
  PutOrDie("r", "0123456789");
  auto mid = store_->GetRange("r", 3, 4);
  ASSERT_TRUE(mid.ok()) << mid.status().ToString();
  EXPECT_EQ(*mid, "3456");
  auto clipped = store_->GetRange("r", 7, 100);
  ASSERT_TRUE(clipped.ok());
  EXPECT_EQ(*clipped, "789");
  auto at_end = store_->GetRange("r", 10, 5);
  ASSERT_TRUE(at_end.ok()) << at_end.status().ToString();
  EXPECT_EQ(*at_end, "");
  auto zero = store_->GetRange("r", 2, 0);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, "");
  auto whole = store_->GetRange("r", 0, 10);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, "0123456789");
}

TEST_P(ObjectStoreContractTest, GetRangeErrors) {
  PutOrDie("r", "0123456789");
  auto past = store_->GetRange("r", 11, 1);
  EXPECT_EQ(past.status().code(), StatusCode::kOutOfRange) << past.status().ToString();
  EXPECT_NE(past.status().message().find("r"), std::string_view::npos);
  EXPECT_EQ(store_->GetRange("missing", 0, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRange("r", -1, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetRange("r", 0, -1).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(ObjectStoreContractTest, HeadReportsSize) {
  PutOrDie("dir/h", std::string(1234, 'x'));
  auto head = store_->Head("dir/h");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->key, "dir/h");
  EXPECT_EQ(head->size, 1234);
  EXPECT_EQ(store_->Head("dir/missing").status().code(), StatusCode::kNotFound);
  // A key prefix is not an object.
  EXPECT_EQ(store_->Head("dir").status().code(), StatusCode::kNotFound);
}

// mtime_ms is the store's clock at the write (S3: the server's), so allow for a little skew
// and for HEAD's whole seconds.
TEST_P(ObjectStoreContractTest, ListAndHeadReportWhenWritten) {
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  constexpr int64_t kSlackMs = 5000;
  int64_t before = now_ms();
  PutOrDie("t/a", "x");
  int64_t after = now_ms();
  auto listed = store_->List("t/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_GE((*listed)[0].mtime_ms, before - kSlackMs);
  EXPECT_LE((*listed)[0].mtime_ms, after + kSlackMs);
  auto head = store_->Head("t/a");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_GE(head->mtime_ms, before - kSlackMs);
  EXPECT_LE(head->mtime_ms, after + kSlackMs);
}

TEST_P(ObjectStoreContractTest, GetMissingIsNotFoundNamingTheKey) {
  auto got = store_->Get("no/such/key");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_NE(got.status().message().find("no/such/key"), std::string_view::npos)
      << got.status().ToString();
  PutOrDie("no/such/other", "x");
  EXPECT_EQ(store_->Get("no/such").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("no/such/key").status().code(), StatusCode::kNotFound);
}

TEST_P(ObjectStoreContractTest, ListIsSortedBytewise) {
  // Written out of order; '-' < '.' < '/' < '0' and 0xC3 sorts after every ASCII byte.
  for (const char* key : {"za", "a/x", "b", "a/b0", "z\xc3\xa9", "a.c", "a/b/c", "a-1"})
    PutOrDie(key, key);
  std::vector<std::string> expected = {"a-1", "a.c", "a/b/c", "a/b0",
                                       "a/x", "b",   "za",    "z\xc3\xa9"};
  EXPECT_EQ(ListKeys(""), expected);
  auto listed = store_->List("");
  ASSERT_TRUE(listed.ok());
  for (const auto& info : *listed) EXPECT_EQ(info.size, static_cast<int64_t>(info.key.size()));
}

TEST_P(ObjectStoreContractTest, ListPrefixNeedNotEndAtSlash) {
  for (const char* key : {"wal/1/0/00012", "wal/1/0/00013", "wal/1/0/0100", "wal/1/1/00001",
                          "wal/10/0/1", "walrus", "other/wal/1"})
    PutOrDie(key, "x");
  EXPECT_EQ(ListKeys("wal/1/0/000"), (std::vector<std::string>{"wal/1/0/00012", "wal/1/0/00013"}));
  EXPECT_EQ(ListKeys("wal/1/"), (std::vector<std::string>{"wal/1/0/00012", "wal/1/0/00013",
                                                          "wal/1/0/0100", "wal/1/1/00001"}));
  EXPECT_EQ(ListKeys("wal/1"),
            (std::vector<std::string>{"wal/1/0/00012", "wal/1/0/00013", "wal/1/0/0100",
                                      "wal/1/1/00001", "wal/10/0/1"}));
  EXPECT_EQ(ListKeys("wal"),
            (std::vector<std::string>{"wal/1/0/00012", "wal/1/0/00013", "wal/1/0/0100",
                                      "wal/1/1/00001", "wal/10/0/1", "walrus"}));
  EXPECT_EQ(ListKeys("wal/1/0/00012"), std::vector<std::string>{"wal/1/0/00012"});
  EXPECT_TRUE(ListKeys("wal/1/0/00012/").empty());
  EXPECT_TRUE(ListKeys("nothing").empty());
  EXPECT_TRUE(ListKeys("../").empty());
  EXPECT_TRUE(ListKeys("/wal").empty());
}

TEST_P(ObjectStoreContractTest, ListOfEmptyStoreIsEmpty) { EXPECT_TRUE(ListKeys("").empty()); }

TEST_P(ObjectStoreContractTest, DeleteIsIdempotent) {
  EXPECT_TRUE(store_->Delete("never/was").ok());
  PutOrDie("d/a", "1");
  PutOrDie("d/b", "2");
  ASSERT_TRUE(store_->Delete("d/a").ok());
  EXPECT_EQ(store_->Get("d/a").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete("d/a").ok());
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"d/b"});
  // Deleting a key prefix deletes nothing.
  EXPECT_TRUE(store_->Delete("d").ok());
  EXPECT_EQ(GetOrDie("d/b"), "2");
  ASSERT_TRUE(store_->Delete("d/b").ok());
  EXPECT_TRUE(ListKeys("").empty());
  // The key space is reusable after everything below a prefix is gone.
  PutOrDie("d/c", "3");
  EXPECT_EQ(GetOrDie("d/c"), "3");
}

TEST_P(ObjectStoreContractTest, DeleteMany) {
  for (const char* key : {"x/1", "x/2", "x/3", "y/1"}) PutOrDie(key, "v");
  std::vector<std::string> batch = {"x/1", "x/3", "y/1", "absent/key"};
  ASSERT_TRUE(store_->DeleteMany(batch).ok());
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"x/2"});
  EXPECT_TRUE(store_->DeleteMany({}).ok());
}

TEST_P(ObjectStoreContractTest, DeleteManyRejectsBadBatchBeforeDeleting) {
  PutOrDie("keep", "v");
  std::vector<std::string> batch = {"keep", "bad//key"};
  EXPECT_EQ(store_->DeleteMany(batch).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(GetOrDie("keep"), "v");
}

TEST_P(ObjectStoreContractTest, MultipartWriterCompletes) {
  PutOrDie("big/obj", "old");
  auto writer = store_->NewWriter("big/obj");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  std::string tail = RandomBytes(1 << 20, 7);
  for (std::string_view part : {std::string_view("ab"), std::string_view(""),
                                std::string_view("cd"), std::string_view(tail)})
    ASSERT_TRUE((*writer)->Append(part).ok());
  // Nothing new is visible before Complete.
  EXPECT_EQ(GetOrDie("big/obj"), "old");
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"big/obj"});
  Status done = (*writer)->Complete();
  ASSERT_TRUE(done.ok()) << done.ToString();
  EXPECT_EQ(GetOrDie("big/obj"), "abcd" + tail);
  EXPECT_EQ((*writer)->Append("more").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*writer)->Complete().code(), StatusCode::kFailedPrecondition);
}

TEST_P(ObjectStoreContractTest, MultipartWriterInvisibleUntilComplete) {
  auto writer = store_->NewWriter("new/obj");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("part").ok());
  EXPECT_EQ(store_->Get("new/obj").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Head("new/obj").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
  ASSERT_TRUE((*writer)->Complete().ok());
  EXPECT_EQ(GetOrDie("new/obj"), "part");
}

TEST_P(ObjectStoreContractTest, MultipartWriterAbortLeavesNothing) {
  auto writer = store_->NewWriter("aborted/obj");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("data").ok());
  ASSERT_TRUE((*writer)->Abort().ok());
  EXPECT_EQ(store_->Get("aborted/obj").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
  EXPECT_EQ((*writer)->Complete().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Get("aborted/obj").status().code(), StatusCode::kNotFound);
}

TEST_P(ObjectStoreContractTest, MultipartWriterDestroyedWithoutCompleteLeavesNothing) {
  {
    auto writer = store_->NewWriter("dropped/obj");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("data").ok());
  }
  EXPECT_EQ(store_->Get("dropped/obj").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ListKeys("").empty());
}

TEST_P(ObjectStoreContractTest, PendingUploadsAreListedUntilFinished) {
  const int64_t before =
      static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
  auto a = WriterWithAPart("up/a");
  auto b = WriterWithAPart("up/b");
  auto other = WriterWithAPart("other/c");
  ASSERT_TRUE(a && b && other);
  EXPECT_EQ(PendingKeys("up/"), (std::vector<std::string>{"up/a", "up/b"}));
  EXPECT_EQ(PendingKeys(""), (std::vector<std::string>{"other/c", "up/a", "up/b"}));
  auto listed = store_->ListPendingUploads("up/a");
  ASSERT_TRUE(listed.ok() && listed->size() == 1u);
  EXPECT_FALSE(listed->front().upload_id.empty());
  // By the store's clock, which is this machine's or a server's close to it.
  EXPECT_NEAR(static_cast<double>(listed->front().initiated_ms), static_cast<double>(before),
              5 * 60 * 1000.0);
  EXPECT_TRUE(ListKeys("").empty()) << "an upload is no object";

  ASSERT_TRUE(a->Complete().ok());
  EXPECT_EQ(PendingKeys("up/"), std::vector<std::string>{"up/b"});
  ASSERT_TRUE(b->Abort().ok());
  EXPECT_TRUE(PendingKeys("up/").empty());
  other.reset();  // destroyed without Complete
  EXPECT_TRUE(PendingKeys("").empty());
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"up/a"});
}

TEST_P(ObjectStoreContractTest, AbortPendingUploadDiscardsItsBytes) {
  PutOrDie("gone/neighbour", "kept");
  auto writer = WriterWithAPart("gone/obj");
  ASSERT_TRUE(writer);
  auto listed = store_->ListPendingUploads("gone/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  Status aborted = store_->AbortPendingUpload(listed->front());
  ASSERT_TRUE(aborted.ok()) << aborted.ToString();
  EXPECT_TRUE(PendingKeys("").empty());
  // Its writer learns at the latest when it tries to finish, and no object appears.
  Status appended = writer->Append("tail");
  Status completed = appended.ok() ? writer->Complete() : appended;
  EXPECT_FALSE(completed.ok());
  EXPECT_EQ(store_->Get("gone/obj").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ListKeys(""), std::vector<std::string>{"gone/neighbour"});
  EXPECT_TRUE(PendingKeys("").empty());
  // Aborting one that is gone already is fine.
  EXPECT_TRUE(store_->AbortPendingUpload(listed->front()).ok());
}

TEST_P(ObjectStoreContractTest, InvalidKeysRejected) {
  for (std::string_view key : {"", "/abs", "a//b", "a/", "./a", "a/./b", "a/../b", "..", "."}) {
    SCOPED_TRACE("key '" + std::string(key) + "'");
    EXPECT_EQ(ValidateKey(key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Put(key, "x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->PutIfAbsent(key, "x").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Get(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->GetRange(key, 0, 1).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Head(key).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(key).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->NewWriter(key).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(ListKeys("").empty());
}

TEST_P(ObjectStoreContractTest, ConcurrentPutsToDifferentKeysAllVisible) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t";
        key += std::to_string(t);
        key += "/sub";
        key += std::to_string(i % 3);
        key += "/k";
        key += std::to_string(i);
        if (!store_->Put(key, key).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<std::string> keys = ListKeys("");
  ASSERT_EQ(keys.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  for (const auto& key : keys) EXPECT_EQ(GetOrDie(key), key);
}

TEST_P(ObjectStoreContractTest, ConcurrentPutsAndDeletesInOneDirectory) {
  // Each thread's Delete may empty a directory (which a store may prune) just as another
  // thread's Put is about to write into it.
  constexpr int kThreads = 4;
  constexpr int kRounds = 60;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "shared/dir/t";
      key += std::to_string(t);
      for (int i = 0; i < kRounds; ++i) {
        if (!store_->Put(key, key).ok()) failures++;
        auto got = store_->Get(key);
        if (!got.ok() || *got != key) failures++;
        if (!store_->Delete(key).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(ListKeys("").empty());
}

TEST_P(ObjectStoreContractTest, LargeObject) {
  std::string data = RandomBytes(8 << 20, 42);
  PutOrDie("large/blob", data);
  EXPECT_EQ(GetOrDie("large/blob"), data);
  auto head = store_->Head("large/blob");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 8 << 20);
  auto range = store_->GetRange("large/blob", (4 << 20) + 3, 1 << 20);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(*range, data.substr((4 << 20) + 3, 1 << 20));
}

INSTANTIATE_TEST_SUITE_P(AllStores, ObjectStoreContractTest, testing::ValuesIn(kFactories),
                         [](const testing::TestParamInfo<StoreFactory>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace strata
