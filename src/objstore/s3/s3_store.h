// S3ObjectStore: the ObjectStore contract over an S3-compatible service (AWS S3, Ceph RGW,
// MinIO, CORTX), speaking SigV4-signed HTTP through an HttpTransport (libcurl by default).
//
// Keys live under `prefix` in `bucket`; List strips the prefix again. Every call is
// thread-safe. Each operation retries 5xx, 503 SlowDown, 429, request timeouts and
// connection failures with exponential backoff and jitter within retry_budget_seconds,
// then fails with Unavailable (retriable); after that, while the service stays down,
// calls make a single attempt so callers learn quickly. Permanent errors (bad
// credentials, missing bucket, access denied) are never retried and name the endpoint,
// the bucket and what to check. Credentials never appear in errors or logs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/thread_pool.h"
#include "objstore/object_store.h"
#include "objstore/s3/http_client.h"

namespace strata {

struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:7480", "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;
  std::string prefix;  // keys are stored as prefix + "/" + key (no slash if empty)
  std::string region = "us-east-1";
  bool virtual_host = false;  // bucket.host instead of host/bucket (path-style)
  std::string access_key, secret_key, session_token;
  std::string ca_file;               // PEM bundle for https endpoints with a private CA
  bool insecure = false;             // skip TLS verification (test setups only)
  bool create_bucket = false;        // create the bucket in Open if it does not exist
  int64_t part_size = 8 << 20;       // multipart part size; S3 requires >= 5 MiB
  int parallel_parts = 4;            // parts of one writer (or ranges of one Get) in flight
  double retry_budget_seconds = 30;  // per operation, including backoff sleeps
};

// Requests and bytes of one kind, counted per HTTP attempt (retries included).
struct S3RequestStats {
  int64_t requests = 0;
  int64_t errors = 0;  // attempts without a 2xx/expected answer
  int64_t bytes_sent = 0;
  int64_t bytes_received = 0;
};

struct S3Stats {
  S3RequestStats put;   // PutObject, UploadPart, multipart initiate/complete/abort, bucket
  S3RequestStats get;   // GetObject (whole or ranged)
  S3RequestStats head;  // HeadObject, HeadBucket
  S3RequestStats list;  // ListObjectsV2
  S3RequestStats del;   // DeleteObject, DeleteObjects
  int64_t retries = 0;  // attempts repeated after a retriable failure
};

class S3ObjectStore : public ObjectStore {
 public:
  // Checks that the bucket is reachable (HEAD bucket; created if create_bucket) and probes
  // whether the service honours If-None-Match on PUT. InvalidArgument for bad options;
  // PermissionDenied / FailedPrecondition with what to check for bad credentials or a
  // missing bucket; Unavailable if the endpoint cannot be reached within the budget.
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Options options);
  // Same, over a caller-supplied transport (tests inject fakes here).
  static Result<std::unique_ptr<S3ObjectStore>> Open(S3Options options,
                                                     std::unique_ptr<s3::HttpTransport> transport);
  ~S3ObjectStore() override;

  Status Put(std::string_view key, std::string_view data) override;
  // With If-None-Match: * when the service supports it (atomic); otherwise HEAD then PUT,
  // which two racing writers can both pass (see Describe() and doc/storage.md).
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  // Objects larger than part_size arrive as parallel ranged GETs (parallel_parts at once,
  // pinned to one version by If-Match): one GET per part_size bytes.
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  // DeleteObjects in batches of 1000.
  Status DeleteMany(std::span<const std::string> keys) override;
  // Buffers part_size bytes per part, uploads up to parallel_parts parts at once and
  // aborts the upload on any failure. An object that never fills a part is sent as one PUT
  // on Complete. The writer is for one thread at a time.
  Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) override;
  // ListMultipartUploads (a LIST, in pages) and AbortMultipartUpload (a PUT-class call in
  // Stats(), as the writer's own abort).
  Result<std::vector<PendingUpload>> ListPendingUploads(std::string_view prefix) override;
  Status AbortPendingUpload(const PendingUpload& upload) override;
  std::string Describe() const override;

  S3Stats Stats() const;
  bool conditional_put_supported() const { return conditional_put_; }

 private:
  friend class S3MultipartWriter;
  enum class Kind { kPut, kGet, kHead, kList, kDelete, kCount };

  struct Call {
    Kind kind;
    std::string method;
    std::string object;  // full object name in the bucket; empty for bucket requests
    s3::HeaderList query;
    s3::HeaderList headers;  // extra headers to send and sign
    std::string_view body;
  };

  S3ObjectStore(S3Options options, std::unique_ptr<s3::HttpTransport> transport);
  Status CheckBucket();
  Status ProbeConditionalPut();

  // One signed attempt.
  Result<s3::HttpResponse> SendOnce(const Call& call);
  // Retries within the budget; returns the first non-retriable response (any status) or
  // Unavailable once the budget is spent.
  Result<s3::HttpResponse> Execute(const Call& call);
  // Maps an unexpected response to a Status naming the operation, key, bucket, endpoint.
  Status ErrorFor(const s3::HttpResponse& response, const Call& call) const;

  std::string FullKey(std::string_view key) const { return prefix_ + std::string(key); }
  Status PutObject(const std::string& object, std::string_view data, bool if_absent);
  Status PutFallbackIfAbsent(std::string_view key, std::string_view data);
  // Get of the full object name; Aborted if the object changed between its ranges.
  Result<std::string> GetInRanges(const std::string& object);
  // A multipart upload whose parts are sent straight from `data` (no copy), in parallel.
  Status PutMultipart(std::string_view key, std::string_view data);
  Result<std::string> InitiateUpload(const std::string& object);
  Result<std::string> UploadPart(const std::string& object, const std::string& upload_id,
                                 int part_number, std::string_view data);
  Status CompleteUpload(const std::string& object, const std::string& upload_id,
                        const std::vector<std::string>& etags);
  Status AbortUpload(const std::string& object, const std::string& upload_id);

  const S3Options options_;
  std::string prefix_;     // "" or "a/b/"
  std::string scheme_;     // "http" or "https"
  std::string authority_;  // host[:port] of the endpoint
  std::unique_ptr<s3::HttpTransport> transport_;
  ThreadPool part_pool_;
  bool conditional_put_ = false;
  // Set when an operation spent its whole budget; cleared by any definite answer.
  std::atomic<bool> unreachable_{false};

  struct AtomicStats {
    std::atomic<int64_t> requests{0}, errors{0}, bytes_sent{0}, bytes_received{0};
  };
  AtomicStats stats_[static_cast<int>(Kind::kCount)];
  std::atomic<int64_t> retries_{0};
};

}  // namespace strata
