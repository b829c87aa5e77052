#include "objstore/metrics_store.h"

#include <algorithm>

namespace strata {
namespace {

// S3 returns at most this many keys per ListObjectsV2 page and deletes at most this many
// per DeleteObjects request.
constexpr int64_t kKeysPerRequest = 1000;

int64_t Batches(int64_t keys) { return (keys + kKeysPerRequest - 1) / kKeysPerRequest; }

bool IsFailure(const Status& status) {
  return !status.ok() && status.code() != StatusCode::kNotFound &&
         status.code() != StatusCode::kAlreadyExists;
}

int64_t Size(std::string_view s) { return static_cast<int64_t>(s.size()); }

}  // namespace

const char* ObjectOpName(ObjectOp op) {
  switch (op) {
    case ObjectOp::kPut:
      return "PUT";
    case ObjectOp::kGet:
      return "GET";
    case ObjectOp::kHead:
      return "HEAD";
    case ObjectOp::kList:
      return "LIST";
    case ObjectOp::kDelete:
      return "DELETE";
  }
  return "?";
}

int64_t ObjectStoreMetrics::TotalRequests() const {
  int64_t total = 0;
  for (const auto& op : ops) total += op.requests;
  return total;
}

// Counts a multipart upload when it ends, since only then is its number of parts known.
class MetricsObjectStore::CountingWriter : public MultipartWriter {
 public:
  CountingWriter(MetricsObjectStore* owner, std::unique_ptr<MultipartWriter> base)
      : owner_(owner), base_(std::move(base)) {}
  ~CountingWriter() override {
    // The writer below aborts an unfinished upload when destroyed; count that here.
    if (open_) CountAbort(Status::Ok());
  }

  Status Append(std::string_view data) override {
    Status st = base_->Append(data);
    if (st.ok()) bytes_ += Size(data);
    return st;
  }

  Status Complete() override {
    Status st = base_->Complete();
    if (!open_) return st;
    open_ = false;
    const int64_t full_parts = bytes_ / owner_->part_size_;
    const int64_t parts = full_parts + (bytes_ % owner_->part_size_ != 0 ? 1 : 0);
    owner_->Count(ObjectOp::kPut, st, full_parts == 0 ? 1 : parts + 2);
    if (st.ok()) owner_->AddBytes(ObjectOp::kPut, bytes_, 0);
    return st;
  }

  Status Abort() override {
    Status st = base_->Abort();
    if (open_) CountAbort(st);
    return st;
  }

 private:
  // Nothing reached the store until a first full part was uploaded.
  void CountAbort(const Status& st) {
    open_ = false;
    const int64_t full_parts = bytes_ / owner_->part_size_;
    if (full_parts == 0) return;
    owner_->Count(ObjectOp::kPut, Status::Ok(), full_parts + 1);
    owner_->Count(ObjectOp::kDelete, st);
  }

  MetricsObjectStore* const owner_;
  const std::unique_ptr<MultipartWriter> base_;
  int64_t bytes_ = 0;
  bool open_ = true;
};

MetricsObjectStore::MetricsObjectStore(std::unique_ptr<ObjectStore> base, int64_t part_size)
    : base_(std::move(base)), part_size_(std::max<int64_t>(part_size, 1)) {}

void MetricsObjectStore::Count(ObjectOp op, const Status& status, int64_t requests) {
  Counters& c = counters_[static_cast<int>(op)];
  c.requests.fetch_add(requests, std::memory_order_relaxed);
  if (IsFailure(status)) c.errors.fetch_add(1, std::memory_order_relaxed);
}

void MetricsObjectStore::AddBytes(ObjectOp op, int64_t sent, int64_t received) {
  Counters& c = counters_[static_cast<int>(op)];
  if (sent != 0) c.bytes_sent.fetch_add(sent, std::memory_order_relaxed);
  if (received != 0) c.bytes_received.fetch_add(received, std::memory_order_relaxed);
}

Status MetricsObjectStore::Put(std::string_view key, std::string_view data) {
  Status st = base_->Put(key, data);
  // Over one part, the S3 store uploads the object as a multipart upload.
  const int64_t size = Size(data);
  Count(ObjectOp::kPut, st, size <= part_size_ ? 1 : 2 + (size + part_size_ - 1) / part_size_);
  if (st.ok()) AddBytes(ObjectOp::kPut, Size(data), 0);
  return st;
}

Status MetricsObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  Status st = base_->PutIfAbsent(key, data);
  Count(ObjectOp::kPut, st);
  if (st.ok()) AddBytes(ObjectOp::kPut, Size(data), 0);
  return st;
}

Result<std::string> MetricsObjectStore::Get(std::string_view key) {
  Result<std::string> got = base_->Get(key);
  Count(ObjectOp::kGet, got.status(),
        got.ok() && Size(*got) > part_size_ ? (Size(*got) + part_size_ - 1) / part_size_ : 1);
  if (got.ok()) AddBytes(ObjectOp::kGet, 0, Size(*got));
  return got;
}

Result<std::string> MetricsObjectStore::GetRange(std::string_view key, int64_t offset,
                                                 int64_t length) {
  Result<std::string> got = base_->GetRange(key, offset, length);
  Count(ObjectOp::kGet, got.status());
  if (got.ok()) AddBytes(ObjectOp::kGet, 0, Size(*got));
  return got;
}

Result<ObjectInfo> MetricsObjectStore::Head(std::string_view key) {
  Result<ObjectInfo> info = base_->Head(key);
  Count(ObjectOp::kHead, info.status());
  return info;
}

Result<std::vector<ObjectInfo>> MetricsObjectStore::List(std::string_view prefix) {
  Result<std::vector<ObjectInfo>> listed = base_->List(prefix);
  const int64_t keys = listed.ok() ? static_cast<int64_t>(listed->size()) : 0;
  Count(ObjectOp::kList, listed.status(), std::max<int64_t>(1, Batches(keys)));
  return listed;
}

Status MetricsObjectStore::Delete(std::string_view key) {
  Status st = base_->Delete(key);
  Count(ObjectOp::kDelete, st);
  return st;
}

Status MetricsObjectStore::DeleteMany(std::span<const std::string> keys) {
  Status st = base_->DeleteMany(keys);
  const int64_t batches = Batches(static_cast<int64_t>(keys.size()));
  // An empty batch sends nothing; a rejected one may have sent nothing either, but count
  // the failure so it shows.
  if (batches > 0 || !st.ok()) Count(ObjectOp::kDelete, st, batches);
  return st;
}

Result<std::unique_ptr<MultipartWriter>> MetricsObjectStore::NewWriter(std::string_view key) {
  ASSIGN_OR_RETURN(std::unique_ptr<MultipartWriter> writer, base_->NewWriter(key));
  return std::unique_ptr<MultipartWriter>(
      std::make_unique<CountingWriter>(this, std::move(writer)));
}

Result<std::vector<PendingUpload>> MetricsObjectStore::ListPendingUploads(std::string_view prefix) {
  Result<std::vector<PendingUpload>> listed = base_->ListPendingUploads(prefix);
  const int64_t uploads = listed.ok() ? static_cast<int64_t>(listed->size()) : 0;
  Count(ObjectOp::kList, listed.status(), std::max<int64_t>(1, Batches(uploads)));
  return listed;
}

Status MetricsObjectStore::AbortPendingUpload(const PendingUpload& upload) {
  Status st = base_->AbortPendingUpload(upload);
  Count(ObjectOp::kDelete, st);
  return st;
}

ObjectStoreMetrics MetricsObjectStore::Snapshot() const {
  ObjectStoreMetrics m;
  for (int i = 0; i < kNumObjectOps; ++i) {
    const Counters& c = counters_[i];
    m.ops[i].requests = c.requests.load(std::memory_order_relaxed);
    m.ops[i].errors = c.errors.load(std::memory_order_relaxed);
    m.ops[i].bytes_sent = c.bytes_sent.load(std::memory_order_relaxed);
    m.ops[i].bytes_received = c.bytes_received.load(std::memory_order_relaxed);
  }
  return m;
}

}  // namespace strata
