#include "objstore/metrics_store.h"

#include <gtest/gtest.h>

#include <thread>

#include "objstore/memory_store.h"

namespace strata {
namespace {

class MetricsStoreTest : public testing::Test {
 protected:
  const ObjectOpCounts& Op(ObjectOp op) {
    snapshot_ = store_.Snapshot();
    return snapshot_[op];
  }

  MetricsObjectStore store_{std::make_unique<MemoryObjectStore>(), /*part_size=*/10};
  ObjectStoreMetrics snapshot_;
};

TEST_F(MetricsStoreTest, StartsAtZero) {
  EXPECT_EQ(store_.Snapshot().TotalRequests(), 0);
  EXPECT_STREQ(ObjectOpName(ObjectOp::kPut), "PUT");
  EXPECT_STREQ(ObjectOpName(ObjectOp::kGet), "GET");
  EXPECT_STREQ(ObjectOpName(ObjectOp::kHead), "HEAD");
  EXPECT_STREQ(ObjectOpName(ObjectOp::kList), "LIST");
  EXPECT_STREQ(ObjectOpName(ObjectOp::kDelete), "DELETE");
  EXPECT_EQ(store_.Describe(), "mem://");
}

TEST_F(MetricsStoreTest, PutsAndGetsCountRequestsAndBytes) {
  ASSERT_TRUE(store_.Put("a", "12345").ok());
  ASSERT_TRUE(store_.PutIfAbsent("b", "123").ok());
  EXPECT_EQ(store_.PutIfAbsent("b", "xyz").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 3);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 8);
  EXPECT_EQ(Op(ObjectOp::kPut).errors, 0);  // AlreadyExists is an answer, not a failure

  ASSERT_TRUE(store_.Get("a").ok());
  ASSERT_TRUE(store_.GetRange("a", 1, 2).ok());
  EXPECT_EQ(store_.Get("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Op(ObjectOp::kGet).requests, 3);
  EXPECT_EQ(Op(ObjectOp::kGet).bytes_received, 7);
  EXPECT_EQ(Op(ObjectOp::kGet).errors, 0);

  ASSERT_TRUE(store_.Head("a").ok());
  EXPECT_EQ(Op(ObjectOp::kHead).requests, 1);
  EXPECT_EQ(store_.Snapshot().TotalRequests(), 7);
}

TEST_F(MetricsStoreTest, FailuresCountAsRequestsAndErrors) {
  EXPECT_FALSE(store_.Put("/bad", "x").ok());
  EXPECT_FALSE(store_.GetRange("bad//key", 0, 1).ok());
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 1);
  EXPECT_EQ(Op(ObjectOp::kPut).errors, 1);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 0);
  EXPECT_EQ(Op(ObjectOp::kGet).errors, 1);
}

TEST_F(MetricsStoreTest, ListCountsOnePagePerThousandKeys) {
  ASSERT_TRUE(store_.List("nothing/").ok());
  EXPECT_EQ(Op(ObjectOp::kList).requests, 1);
  for (int i = 0; i < 2001; ++i) ASSERT_TRUE(store_.Put("k/" + std::to_string(i), "").ok());
  auto listed = store_.List("k/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 2001u);
  EXPECT_EQ(Op(ObjectOp::kList).requests, 4);
}

TEST_F(MetricsStoreTest, DeleteManyCountsOneRequestPerThousandKeys) {
  ASSERT_TRUE(store_.Delete("x").ok());
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 1);
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back("k/" + std::to_string(i));
  ASSERT_TRUE(store_.DeleteMany(keys).ok());
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 4);
  ASSERT_TRUE(store_.DeleteMany({}).ok());
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 4);
}

TEST_F(MetricsStoreTest, PendingUploadsCountAsListAndDelete) {
  auto writer = store_.NewWriter("w");
  ASSERT_TRUE(writer.ok() && (*writer)->Append("x").ok());
  auto uploads = store_.ListPendingUploads("");
  ASSERT_TRUE(uploads.ok());
  ASSERT_EQ(uploads->size(), 1u);
  EXPECT_EQ(Op(ObjectOp::kList).requests, 1);
  ASSERT_TRUE(store_.AbortPendingUpload(uploads->front()).ok());
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 1);
}

TEST_F(MetricsStoreTest, PutOverOnePartCountsAsMultipart) {
  ASSERT_TRUE(store_.Put("a", std::string(10, 'x')).ok());
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 1);
  ASSERT_TRUE(store_.Put("b", std::string(21, 'x')).ok());
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 1 + 5);  // create + 3 parts + complete
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 31);
}

TEST_F(MetricsStoreTest, SmallMultipartUploadIsOnePut) {
  auto writer = store_.NewWriter("m");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append("12345").ok());
  ASSERT_TRUE((*writer)->Complete().ok());
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 1);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 5);
}

TEST_F(MetricsStoreTest, LargeMultipartUploadCountsEveryPart) {
  auto writer = store_.NewWriter("m");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(std::string(15, 'a')).ok());
  ASSERT_TRUE((*writer)->Append(std::string(10, 'b')).ok());
  ASSERT_TRUE((*writer)->Complete().ok());
  // create + 3 parts (10, 10, 5) + complete.
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 5);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 25);
  auto got = store_.Get("m");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->size(), 25u);
  EXPECT_EQ(Op(ObjectOp::kGet).requests, 3);  // read back in ranges of 10, 10, 5
}

TEST_F(MetricsStoreTest, AbortedMultipartUploadCountsPartsAndAbort) {
  auto writer = store_.NewWriter("m");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(std::string(25, 'a')).ok());
  ASSERT_TRUE((*writer)->Abort().ok());
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 3);  // create + 2 full parts
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 1);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 0);
}

TEST_F(MetricsStoreTest, DroppedWriterCountsLikeAbort) {
  {
    auto writer = store_.NewWriter("m");
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(std::string(12, 'a')).ok());
  }
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 2);
  EXPECT_EQ(Op(ObjectOp::kDelete).requests, 1);
  {
    auto writer = store_.NewWriter("n");  // never filled a part: nothing was sent
    ASSERT_TRUE(writer.ok());
  }
  EXPECT_EQ(store_.Snapshot().TotalRequests(), 3);
}

TEST_F(MetricsStoreTest, ConcurrentCallsAreAllCounted) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 250; ++i) {
        std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        EXPECT_TRUE(store_.Put(key, "ab").ok());
        EXPECT_TRUE(store_.Get(key).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Op(ObjectOp::kPut).requests, 1000);
  EXPECT_EQ(Op(ObjectOp::kPut).bytes_sent, 2000);
  EXPECT_EQ(Op(ObjectOp::kGet).bytes_received, 2000);
}

}  // namespace
}  // namespace strata
