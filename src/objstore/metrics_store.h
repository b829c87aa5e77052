// MetricsObjectStore: counts the requests and bytes that reach the store it wraps, by the
// S3 request class that a bill is made of (PUT, GET, HEAD, LIST, DELETE). Put below a
// cache, it counts what the bucket actually sees.
//
// How calls map to requests (the way S3 would answer them):
//   Put, PutIfAbsent              1 PUT; a Put over part_size is a multipart upload:
//                                 1 (create) + one per part + 1 (complete) PUTs
//   Get                           1 GET; an object over part_size is read in part_size
//                                 ranges: one GET per part
//   GetRange                      1 GET
//   Head                          1 HEAD
//   List                          1 LIST per 1,000 keys returned (ListObjectsV2 pages), min 1
//   Delete                        1 DELETE
//   DeleteMany                    1 DELETE per batch of up to 1,000 keys (DeleteObjects)
//   NewWriter ... Complete        1 PUT if the object stays under part_size, else
//                                 1 (create) + one per part + 1 (complete) PUTs
//   ... Abort                     the parts uploaded so far as PUTs, plus 1 DELETE
//   ListPendingUploads            1 LIST per 1,000 uploads returned, min 1
//   AbortPendingUpload            1 DELETE
// Bytes count object payloads only: sent (PUT) and received (GET); request and response
// headers and LIST/DELETE bodies are not counted. An error is any failed call except the
// answers NotFound and AlreadyExists, which are ordinary replies. A call that fails still
// counts as a request.
//
// These are the requests the calls imply, not HTTP attempts: retries and the extra HEAD the
// S3 store may send for a range at an object's end are in S3ObjectStore::Stats().
//
// Thread-safe; counters are relaxed atomics, so a snapshot taken during traffic may be a
// few requests behind but every counter only grows.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "objstore/object_store.h"

namespace strata {

enum class ObjectOp { kPut = 0, kGet, kHead, kList, kDelete };
inline constexpr int kNumObjectOps = 5;
// "PUT", "GET", "HEAD", "LIST", "DELETE".
const char* ObjectOpName(ObjectOp op);

struct ObjectOpCounts {
  int64_t requests = 0;
  int64_t errors = 0;
  int64_t bytes_sent = 0;      // to the store
  int64_t bytes_received = 0;  // from the store
};

struct ObjectStoreMetrics {
  std::array<ObjectOpCounts, kNumObjectOps> ops;

  const ObjectOpCounts& operator[](ObjectOp op) const { return ops[static_cast<int>(op)]; }
  int64_t TotalRequests() const;
};

class MetricsObjectStore : public ObjectStore {
 public:
  // Takes ownership of `base`. `part_size` is the multipart part size of the store below
  // (S3Options::part_size), used only to count the requests of multipart uploads and of
  // Gets read in ranges.
  explicit MetricsObjectStore(std::unique_ptr<ObjectStore> base,
                              int64_t part_size = int64_t{8} << 20);

  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(std::span<const std::string> keys) override;
  Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) override;
  Result<std::vector<PendingUpload>> ListPendingUploads(std::string_view prefix) override;
  Status AbortPendingUpload(const PendingUpload& upload) override;
  std::string Describe() const override { return base_->Describe(); }

  ObjectStoreMetrics Snapshot() const;

 private:
  class CountingWriter;
  struct Counters {
    std::atomic<int64_t> requests{0}, errors{0}, bytes_sent{0}, bytes_received{0};
  };

  // Adds `requests` requests of kind `op` and, if `status` is a failure, one error.
  void Count(ObjectOp op, const Status& status, int64_t requests = 1);
  void AddBytes(ObjectOp op, int64_t sent, int64_t received);

  const std::unique_ptr<ObjectStore> base_;
  const int64_t part_size_;
  std::array<Counters, kNumObjectOps> counters_;
};

}  // namespace strata
