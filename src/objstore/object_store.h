// ObjectStore: the only place durable state lives. Shaped like S3 (flat keys, whole-object
// writes, ranged reads), not like a file system, so the local folder, S3 and in-memory
// implementations behave the same and decorators (cache, retry, metrics, faults) stack.
//
// Keys are '/'-separated relative paths without a leading '/', no "." or ".." segments,
// no empty segments. All methods are thread-safe. A successful Put is durable: after it
// returns, a crash of this process or machine does not lose the object.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace strata {

struct ObjectInfo {
  std::string key;
  int64_t size = 0;
  // When the object was last written, in ms since the Unix epoch, by the store's clock (the
  // file's mtime, S3's LastModified). What garbage collection ages unnamed objects by.
  int64_t mtime_ms = 0;
};

// An upload a MultipartWriter began and that was neither completed nor aborted: its writer is
// still at work, or died with its process. Its bytes cost storage, yet it is no object, so
// List never shows it; garbage collection aborts the old ones (engine/garbage.h).
struct PendingUpload {
  std::string key;           // the object it would create
  std::string upload_id;     // the store's handle for it (S3's UploadId, the local temp file)
  int64_t initiated_ms = 0;  // when it began, ms since the Unix epoch, by the store's clock
};

// Writes one large object in parts. Nothing is visible under the key until Complete()
// returns OK; Abort() (or destruction without Complete) leaves no object behind.
class MultipartWriter {
 public:
  virtual ~MultipartWriter() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Complete() = 0;
  virtual Status Abort() = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Creates or replaces the object atomically: readers see the old or the new bytes, never
  // a mix. Durable on return.
  virtual Status Put(std::string_view key, std::string_view data) = 0;
  // Like Put, but fails with AlreadyExists if the key exists (used to commit manifests and
  // to fence a second writer). Stores without conditional writes emulate it as well as
  // they can and say so in Describe().
  virtual Status PutIfAbsent(std::string_view key, std::string_view data) = 0;
  // NotFound if the key does not exist.
  virtual Result<std::string> Get(std::string_view key) = 0;
  // Bytes [offset, offset + length) clipped to the object's end; OutOfRange if offset is
  // past the end; NotFound if absent.
  virtual Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) = 0;
  virtual Result<ObjectInfo> Head(std::string_view key) = 0;
  // Every object whose key starts with `prefix`, sorted by key (byte order).
  virtual Result<std::vector<ObjectInfo>> List(std::string_view prefix) = 0;
  // Deleting a missing key is OK.
  virtual Status Delete(std::string_view key) = 0;
  virtual Status DeleteMany(std::span<const std::string> keys) = 0;
  virtual Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) = 0;
  // Uploads not yet completed or aborted whose key starts with `prefix`, sorted by key. A
  // writer's upload is listed once it holds a part's worth of bytes (S3 begins the upload
  // only then, the other stores at the first Append) and until its Complete or Abort.
  virtual Result<std::vector<PendingUpload>> ListPendingUploads(std::string_view prefix) = 0;
  // Discards the upload's bytes: no object appears, and its writer's Complete fails. An
  // upload already gone (completed, aborted) is OK.
  virtual Status AbortPendingUpload(const PendingUpload& upload) = 0;
  // "file:///abs/path", "mem://", "s3://bucket/prefix/ at endpoint ..." — for logs and errors.
  virtual std::string Describe() const = 0;
};

// Settings for stores that need more than a URI (today: S3). Empty strings mean "not
// set": credentials then come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, the region from AWS_REGION (else us-east-1) and the endpoint from
// AWS_ENDPOINT_URL (else AWS's regional endpoint).
struct StorageOptions {
  std::string s3_endpoint;  // "http://127.0.0.1:7480"
  std::string s3_region;
  bool s3_virtual_host = false;  // bucket.host addressing instead of host/bucket
  std::string s3_ca_file;
  bool s3_insecure = false;
  std::string s3_access_key, s3_secret_key, s3_session_token;
  bool s3_create_bucket = false;
  double s3_retry_budget_seconds = 30;  // per operation; see S3Options::retry_budget_seconds
};

// Opens a store by URI: "file:///abs/dir", a plain path (same as file://), or "mem://".
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri);
// Same, and also "s3://bucket/prefix" configured by `options`.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri,
                                                     const StorageOptions& options);

// InvalidArgument unless `key` follows the rules at the top of this file.
Status ValidateKey(std::string_view key);

}  // namespace strata
