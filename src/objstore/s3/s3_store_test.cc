// S3ObjectStore logic against FakeS3: error mapping, retries and their budget, multipart
// (parallel parts, abort on failure), list pagination, batch delete, stats. The contract
// suite (object_store_contract_test.cc) runs the shared behaviour on top of this.
#include "objstore/s3/s3_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>

#include "objstore/s3/fake_s3.h"

namespace strata {
namespace {

using s3::FakeS3;
using s3::HttpRequest;
using s3::HttpResponse;

constexpr char kAccess[] = "AKIATESTKEY";
constexpr char kSecret[] = "super/secret+key";

S3Options TestOptions() {
  S3Options options;
  options.endpoint = "http://fake.invalid:7480";
  options.bucket = "bkt";
  options.prefix = "db1";
  options.access_key = kAccess;
  options.secret_key = kSecret;
  options.part_size = 5 << 20;
  options.retry_budget_seconds = 2;
  return options;
}

HttpResponse ErrorResponse(int status, const std::string& code) {
  HttpResponse r;
  r.status = status;
  r.body = "<Error><Code>" + code + "</Code></Error>";
  return r;
}

size_t CountLog(FakeS3& fake, std::string_view needle) {
  auto log = fake.log();
  return std::count_if(log.begin(), log.end(),
                       [&](const std::string& line) { return line.find(needle) != line.npos; });
}

class S3StoreTest : public testing::Test {
 protected:
  S3StoreTest() : fake_(kAccess, kSecret) { fake_.CreateBucket("bkt"); }

  std::unique_ptr<S3ObjectStore> OpenOrDie(S3Options options = TestOptions()) {
    auto store = S3ObjectStore::Open(std::move(options), fake_.NewTransport());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  FakeS3 fake_;
};

TEST_F(S3StoreTest, KeysLiveUnderThePrefix) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store->Put("a/b", "x").ok());
  EXPECT_EQ(fake_.Keys("bkt"), std::vector<std::string>{"db1/a/b"});
  auto listed = store->List("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "a/b");
  EXPECT_TRUE(store->conditional_put_supported());
  EXPECT_NE(store->Describe().find("s3://bkt/db1/ at http://fake.invalid:7480"), std::string::npos);
}

TEST_F(S3StoreTest, MissingBucketNamesBucketAndEndpoint) {
  S3Options options = TestOptions();
  options.bucket = "nope";
  auto store = S3ObjectStore::Open(options, fake_.NewTransport());
  ASSERT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
  EXPECT_NE(store.status().message().find("'nope'"), std::string_view::npos);
  EXPECT_NE(store.status().message().find("http://fake.invalid:7480"), std::string_view::npos);
  EXPECT_NE(store.status().message().find("NoSuchBucket"), std::string_view::npos);
  options.create_bucket = true;
  EXPECT_TRUE(S3ObjectStore::Open(options, fake_.NewTransport()).ok());
  EXPECT_EQ(CountLog(fake_, "PUT /nope "), 0u);  // bucket PUT has no query or key
  EXPECT_EQ(CountLog(fake_, "PUT /nope"), 3u);   // create + the two probe writes
}

TEST_F(S3StoreTest, BadCredentialsAreClearAndNeverRetriedOrEchoed) {
  S3Options wrong_secret = TestOptions();
  wrong_secret.secret_key = "not-the-secret";
  auto store = S3ObjectStore::Open(wrong_secret, fake_.NewTransport());
  ASSERT_EQ(store.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(store.status().message().find("SignatureDoesNotMatch"), std::string_view::npos);
  EXPECT_NE(store.status().message().find("check the secret key"), std::string_view::npos);
  EXPECT_EQ(store.status().message().find("not-the-secret"), std::string_view::npos);
  EXPECT_EQ(fake_.log().size(), 2u);  // HEAD bucket, then one GET for the error code

  S3Options wrong_key = TestOptions();
  wrong_key.access_key = "AKIAUNKNOWN";
  store = S3ObjectStore::Open(wrong_key, fake_.NewTransport());
  ASSERT_EQ(store.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(store.status().message().find("InvalidAccessKeyId"), std::string_view::npos);
  EXPECT_EQ(store.status().message().find(kSecret), std::string_view::npos);
}

TEST_F(S3StoreTest, SlowDownThenSuccessIsRetried) {
  auto store = OpenOrDie();
  std::atomic<int> failures{2};
  fake_.SetFault([&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "PUT" && failures-- > 0) return ErrorResponse(503, "SlowDown");
    return std::nullopt;
  });
  ASSERT_TRUE(store->Put("k", "v").ok());
  EXPECT_EQ(store->Stats().retries, 2);
  fake_.SetFault([&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.method == "GET" && failures-- > -2) return Unavailable("connection reset");
    return std::nullopt;
  });
  auto got = store->Get("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "v");
}

TEST_F(S3StoreTest, PermanentErrorIsNotRetried) {
  auto store = OpenOrDie();
  fake_.SetFault([](const HttpRequest&) -> std::optional<Result<HttpResponse>> {
    return ErrorResponse(403, "AccessDenied");
  });
  size_t before = fake_.log().size();
  Status st = store->Put("k", "v");
  EXPECT_EQ(st.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(st.message().find("bkt"), std::string_view::npos);
  EXPECT_EQ(fake_.log().size(), before + 1);
  EXPECT_EQ(store->Stats().retries, 0);
}

TEST_F(S3StoreTest, OutageEndsInUnavailableWithinBudgetThenFailsFast) {
  S3Options options = TestOptions();
  options.retry_budget_seconds = 0.4;
  auto store = OpenOrDie(options);
  fake_.SetFault([](const HttpRequest&) -> std::optional<Result<HttpResponse>> {
    return ErrorResponse(500, "InternalError");
  });
  auto start = std::chrono::steady_clock::now();
  Status st = store->Put("k", "v");
  double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_TRUE(st.retriable());
  EXPECT_LT(first, 1.0);
  EXPECT_GT(store->Stats().retries, 0);
  // Still down: the next call answers after a single attempt.
  size_t before = fake_.log().size();
  EXPECT_EQ(store->Get("k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(fake_.log().size(), before + 1);
  // Back up: a definite answer clears the state.
  fake_.SetFault(nullptr);
  EXPECT_EQ(store->Get("k").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->Put("k", "v").ok());
}

TEST_F(S3StoreTest, LargePutUsesParallelMultipart) {
  auto store = OpenOrDie();
  std::string data((12 << 20) + 5, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
  ASSERT_TRUE(store->Put("big", data).ok());
  EXPECT_EQ(CountLog(fake_, "partNumber="), 3u);
  EXPECT_EQ(CountLog(fake_, "?uploads="), 1u);
  EXPECT_EQ(fake_.open_uploads(), 0u);
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok());
  EXPECT_TRUE(*got == data);
  S3Stats stats = store->Stats();
  EXPECT_GE(stats.put.bytes_sent, static_cast<int64_t>(data.size()));
  EXPECT_EQ(stats.get.requests, 3);  // 5 MiB ranges
  EXPECT_EQ(stats.get.bytes_received, static_cast<int64_t>(data.size()));
}

TEST_F(S3StoreTest, GetReadsLargeObjectsInParallelRanges) {
  auto store = OpenOrDie();
  std::string data((23 << 20) + 7, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13 + i / 1000);
  ASSERT_TRUE(store->Put("big", data).ok());
  ASSERT_TRUE(store->Put("small", "abc").ok());
  ASSERT_TRUE(store->Put("empty", "").ok());
  int64_t before = store->Stats().get.requests;
  auto got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data);
  EXPECT_EQ(store->Stats().get.requests - before, 5);  // one per started 5 MiB
  EXPECT_EQ(*store->Get("small"), "abc");
  EXPECT_EQ(store->Stats().get.requests - before, 6);  // one request, as a plain GET
  EXPECT_EQ(*store->Get("empty"), "");                 // 416 for byte 0, then a plain GET
  EXPECT_EQ(store->Stats().get.requests - before, 8);
  EXPECT_EQ(store->Get("missing").status().code(), StatusCode::kNotFound);
}

TEST_F(S3StoreTest, ObjectReplacedBetweenRangesIsAborted) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store->Put("big", std::string((11 << 20) + 1, 'x')).ok());
  // What a service answers when the version the first range came from is gone.
  fake_.SetFault([](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    for (const auto& [name, value] : r.headers)
      if (name == "If-Match") return ErrorResponse(412, "PreconditionFailed");
    return std::nullopt;
  });
  auto got = store->Get("big");
  EXPECT_EQ(got.status().code(), StatusCode::kAborted) << got.status().ToString();
  fake_.SetFault(nullptr);
  got = store->Get("big");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), (size_t{11} << 20) + 1);
}

TEST_F(S3StoreTest, FailedPartAbortsTheUpload) {
  S3Options options = TestOptions();
  options.retry_budget_seconds = 0.2;
  auto store = OpenOrDie(options);
  fake_.SetFault([](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    if (r.url.find("partNumber=2") != std::string::npos) return ErrorResponse(500, "InternalError");
    return std::nullopt;
  });
  auto writer = store->NewWriter("big");
  ASSERT_TRUE(writer.ok());
  std::string chunk(1 << 20, 'x');
  Status st;
  for (int i = 0; i < 16 && st.ok(); ++i) st = (*writer)->Append(chunk);
  if (st.ok()) st = (*writer)->Complete();
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ((*writer)->Complete().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(fake_.open_uploads(), 0u);
  EXPECT_EQ(fake_.aborted_uploads(), 1u);
  fake_.SetFault(nullptr);
  EXPECT_EQ(store->Head("big").status().code(), StatusCode::kNotFound);
}

TEST_F(S3StoreTest, ListFollowsContinuationAndDecodesKeys) {
  auto store = OpenOrDie();
  fake_.set_list_page_size(2);
  std::vector<std::string> keys = {"p/a b", "p/a+b", "p/\xc3\xa9", "p/x&y<z", "p/1", "p/%41", "q"};
  for (const auto& key : keys) ASSERT_TRUE(store->Put(key, key).ok());
  auto listed = store->List("p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> got;
  for (const auto& info : *listed) got.push_back(info.key);
  std::vector<std::string> expected(keys.begin(), keys.end() - 1);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_GE(store->Stats().list.requests, 3);
}

TEST_F(S3StoreTest, ListPendingUploadsFollowsMarkersAndAborts) {
  auto store = OpenOrDie();
  fake_.set_list_page_size(2);
  // Two uploads of one key: pages must resume after (key, upload id), not after the key.
  std::vector<std::string> keys = {"p/a", "p/a", "p/x&y", "p/b", "q/c"};
  std::vector<std::unique_ptr<MultipartWriter>> writers;
  for (const auto& key : keys) {
    auto writer = store->NewWriter(key);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(std::string(5 << 20, 'u')).ok());
    writers.push_back(std::move(writer).value());
  }
  const int64_t lists_before = store->Stats().list.requests;
  auto listed = store->ListPendingUploads("p/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<std::string> got;
  for (const auto& upload : *listed) got.push_back(upload.key);
  EXPECT_EQ(got, (std::vector<std::string>{"p/a", "p/a", "p/b", "p/x&y"}));
  EXPECT_NE((*listed)[0].upload_id, (*listed)[1].upload_id);
  EXPECT_EQ(store->Stats().list.requests - lists_before, 2);
  for (const auto& upload : *listed) ASSERT_TRUE(store->AbortPendingUpload(upload).ok());
  EXPECT_EQ(fake_.open_uploads(), 1u);  // q/c
  EXPECT_EQ(CountLog(fake_, "DELETE /bkt/db1/p/x%26y?uploadId="), 1u);
  EXPECT_EQ(store->AbortPendingUpload({"p/b", "", 0}).code(), StatusCode::kInvalidArgument);
}

TEST_F(S3StoreTest, DeleteManyBatchesByThousand) {
  auto store = OpenOrDie();
  std::vector<std::string> keys;
  for (int i = 0; i < 2500; ++i) keys.push_back("k/" + std::to_string(i));
  for (int i = 0; i < 2500; i += 500) ASSERT_TRUE(store->Put(keys[i], "v").ok());
  ASSERT_TRUE(store->DeleteMany(keys).ok());
  EXPECT_EQ(CountLog(fake_, "POST /bkt?delete="), 3u);
  EXPECT_TRUE(fake_.Keys("bkt").empty());
  EXPECT_EQ(store->Stats().del.requests, 4);  // 3 batches + the probe's delete
}

TEST_F(S3StoreTest, PutIfAbsentFallsBackWhenIfNoneMatchIsIgnored) {
  fake_.set_honor_if_none_match(false);
  auto store = OpenOrDie();
  EXPECT_FALSE(store->conditional_put_supported());
  EXPECT_NE(store->Describe().find("HEAD then PUT"), std::string::npos);
  ASSERT_TRUE(store->PutIfAbsent("m", "1").ok());
  Status second = store->PutIfAbsent("m", "2");
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*store->Get("m"), "1");
}

TEST_F(S3StoreTest, VirtualHostAddressingAndSessionToken) {
  S3Options options = TestOptions();
  options.virtual_host = true;
  options.session_token = "token/with+chars";
  std::vector<HttpRequest> seen;
  std::mutex mu;
  // Answer everything here: the fake itself serves path-style only.
  fake_.SetFault([&](const HttpRequest& r) -> std::optional<Result<HttpResponse>> {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(HttpRequest{r.method, r.url, r.headers, {}});
    HttpResponse response;
    response.status = r.method == "DELETE" ? 204 : 200;
    if (r.method == "PUT" && seen.size() == 3) response.status = 412;  // second probe write
    return response;
  });
  auto store = OpenOrDie(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("a b/c", "v").ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].url, "http://bkt.fake.invalid:7480/");
  EXPECT_EQ(seen[4].url, "http://bkt.fake.invalid:7480/db1/a%20b/c");
  for (const auto& request : seen) {
    std::string host, token, auth;
    for (const auto& [name, value] : request.headers) {
      if (name == "Host") host = value;
      if (name == "x-amz-security-token") token = value;
      if (name == "Authorization") auth = value;
    }
    EXPECT_EQ(host, "bkt.fake.invalid:7480");
    EXPECT_EQ(token, "token/with+chars");
    EXPECT_NE(auth.find("SignedHeaders=host;"), std::string::npos) << auth;
    EXPECT_NE(auth.find(";x-amz-security-token,Signature="), std::string::npos) << auth;
  }
  EXPECT_NE(store->Describe().find("virtual-host"), std::string::npos);
}

TEST_F(S3StoreTest, OptionsAreValidated) {
  S3Options options = TestOptions();
  options.part_size = 1 << 20;
  EXPECT_EQ(S3ObjectStore::Open(options, fake_.NewTransport()).status().code(),
            StatusCode::kInvalidArgument);
  options = TestOptions();
  options.secret_key.clear();
  EXPECT_EQ(S3ObjectStore::Open(options, fake_.NewTransport()).status().code(),
            StatusCode::kInvalidArgument);
  options = TestOptions();
  options.endpoint = "fake:80";
  EXPECT_EQ(S3ObjectStore::Open(options, fake_.NewTransport()).status().code(),
            StatusCode::kInvalidArgument);
  options = TestOptions();
  options.prefix = "a/../b";
  EXPECT_EQ(S3ObjectStore::Open(options, fake_.NewTransport()).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(OpenObjectStoreTest, S3UriNeedsCredentials) {
  StorageOptions options;
  options.s3_endpoint = "http://127.0.0.1:1";
  options.s3_access_key = "only-a-key";
  auto store = OpenObjectStore("s3://bucket/prefix", options);
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << store.status().ToString();
  EXPECT_EQ(OpenObjectStore("s3:///prefix", options).status().code(), StatusCode::kInvalidArgument);
}

// Against a real service when the environment names one (as the contract suite does):
// what fakes cannot show — real multipart assembly and the real error codes.
class RealS3Test : public testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"STRATA_TEST_S3_ENDPOINT", "STRATA_TEST_S3_BUCKET",
                             "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"})
      if (std::getenv(name) == nullptr) GTEST_SKIP() << name << " is not set";
    options_.endpoint = std::getenv("STRATA_TEST_S3_ENDPOINT");
    options_.bucket = std::getenv("STRATA_TEST_S3_BUCKET");
    options_.access_key = std::getenv("AWS_ACCESS_KEY_ID");
    options_.secret_key = std::getenv("AWS_SECRET_ACCESS_KEY");
    options_.prefix = "strata-test/real-" + std::to_string(std::random_device{}());
    options_.part_size = 5 << 20;
    options_.create_bucket = true;
  }
  S3Options options_;
};

TEST_F(RealS3Test, MultipartRoundTripAndStats) {
  auto store = S3ObjectStore::Open(options_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::cout << "store: " << (*store)->Describe() << "\n";
  std::string data((11 << 20) + 3, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + i / 977);
  ASSERT_TRUE((*store)->Put("big", data).ok());
  auto got = (*store)->GetRange("big", (5 << 20) - 2, 4 << 20);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == data.substr((5 << 20) - 2, 4 << 20));
  ASSERT_TRUE((*store)->Delete("big").ok());
  S3Stats stats = (*store)->Stats();
  EXPECT_EQ(stats.get.requests, 1);
  EXPECT_GE(stats.put.requests, 5);  // probe, initiate, 3 parts, complete
  EXPECT_GE(stats.put.bytes_sent, static_cast<int64_t>(data.size()));
}

TEST_F(RealS3Test, BadCredentialsNameTheCause) {
  S3Options wrong_secret = options_;
  wrong_secret.secret_key += "x";
  auto store = S3ObjectStore::Open(wrong_secret);
  EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(store.status().message().find("SignatureDoesNotMatch"), std::string_view::npos)
      << store.status().ToString();
  EXPECT_EQ(store.status().message().find(wrong_secret.secret_key), std::string_view::npos);
  S3Options wrong_key = options_;
  wrong_key.access_key = "AKIANOSUCHKEY0000000";
  store = S3ObjectStore::Open(wrong_key);
  EXPECT_EQ(store.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(store.status().message().find("InvalidAccessKeyId"), std::string_view::npos)
      << store.status().ToString();
  S3Options no_bucket = options_;
  no_bucket.bucket = "strata-no-such-bucket";
  no_bucket.create_bucket = false;
  store = S3ObjectStore::Open(no_bucket);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << store.status().ToString();
}

TEST_F(RealS3Test, UnreachableEndpointIsUnavailableWithinBudget) {
  S3Options down = options_;
  down.endpoint = "http://127.0.0.1:1";
  down.retry_budget_seconds = 0.5;
  auto start = std::chrono::steady_clock::now();
  auto store = S3ObjectStore::Open(down);
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable) << store.status().ToString();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 2.0);
}

}  // namespace
}  // namespace strata
