#include "objstore/memory_store.h"

#include <algorithm>

#include "common/hybrid_clock.h"

namespace strata {

// Not in an anonymous namespace: MemoryObjectStore befriends it.
class MemoryWriter : public MultipartWriter {
 public:
  MemoryWriter(MemoryObjectStore* store, std::string key) : store_(store), key_(std::move(key)) {}
  ~MemoryWriter() override {
    if (!done_ && !upload_id_.empty()) (void)store_->EndUpload(upload_id_);
  }
  Status Append(std::string_view data) override {
    if (done_) return FailedPrecondition("writer already completed or aborted");
    if (upload_id_.empty()) upload_id_ = store_->BeginUpload(key_);
    buffer_.append(data);
    return Status::Ok();
  }
  Status Complete() override {
    if (done_) return FailedPrecondition("writer already completed or aborted");
    done_ = true;
    if (!upload_id_.empty()) RETURN_IF_ERROR(store_->EndUpload(upload_id_));
    return store_->Put(key_, buffer_);
  }
  Status Abort() override {
    if (!done_ && !upload_id_.empty()) (void)store_->EndUpload(upload_id_);
    done_ = true;
    buffer_.clear();
    return Status::Ok();
  }

 private:
  MemoryObjectStore* store_;
  std::string key_;
  std::string upload_id_;
  std::string buffer_;
  bool done_ = false;
};

int64_t MemoryObjectStore::NowMsLocked() const {
  return now_ms_ ? now_ms_() : static_cast<int64_t>(WallClockMs());
}

std::string MemoryObjectStore::BeginUpload(std::string_view key) {
  std::lock_guard lock(mu_);
  std::string id = std::to_string(next_upload_++);
  uploads_[id] = PendingUpload{std::string(key), id, NowMsLocked()};
  return id;
}

Status MemoryObjectStore::EndUpload(const std::string& upload_id) {
  std::lock_guard lock(mu_);
  if (uploads_.erase(upload_id) == 0)
    return NotFound("upload " + upload_id + " was aborted (AbortPendingUpload)");
  return Status::Ok();
}

void MemoryObjectStore::SetClock(std::function<int64_t()> now_ms) {
  std::lock_guard lock(mu_);
  now_ms_ = std::move(now_ms);
}

Status MemoryObjectStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  objects_.insert_or_assign(std::string(key), Stored{std::string(data), NowMsLocked()});
  return Status::Ok();
}

Status MemoryObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  if (!objects_.emplace(std::string(key), Stored{std::string(data), NowMsLocked()}).second)
    return AlreadyExists("object exists: " + std::string(key));
  return Status::Ok();
}

Result<std::string> MemoryObjectStore::Get(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no such object: " + std::string(key));
  return it->second.data;
}

Result<std::string> MemoryObjectStore::GetRange(std::string_view key, int64_t offset,
                                                int64_t length) {
  RETURN_IF_ERROR(ValidateKey(key));
  if (offset < 0 || length < 0)
    return InvalidArgument("negative range for object " + std::string(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no such object: " + std::string(key));
  const std::string& data = it->second.data;
  if (offset > static_cast<int64_t>(data.size()))
    return OutOfRange("range starts past the end of " + std::string(key));
  return data.substr(offset, length);
}

Result<ObjectInfo> MemoryObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return NotFound("no such object: " + std::string(key));
  return ObjectInfo{it->first, static_cast<int64_t>(it->second.data.size()), it->second.mtime_ms};
}

Result<std::vector<ObjectInfo>> MemoryObjectStore::List(std::string_view prefix) {
  std::lock_guard lock(mu_);
  std::vector<ObjectInfo> out;
  for (auto it = objects_.lower_bound(prefix);
       it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    out.push_back({it->first, static_cast<int64_t>(it->second.data.size()), it->second.mtime_ms});
  return out;
}

Status MemoryObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) objects_.erase(it);
  return Status::Ok();
}

Status MemoryObjectStore::DeleteMany(std::span<const std::string> keys) {
  // Reject a bad batch before deleting any of it.
  for (const auto& k : keys) RETURN_IF_ERROR(ValidateKey(k));
  for (const auto& k : keys) RETURN_IF_ERROR(Delete(k));
  return Status::Ok();
}

Result<std::unique_ptr<MultipartWriter>> MemoryObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  return std::unique_ptr<MultipartWriter>(std::make_unique<MemoryWriter>(this, std::string(key)));
}

Result<std::vector<PendingUpload>> MemoryObjectStore::ListPendingUploads(std::string_view prefix) {
  std::lock_guard lock(mu_);
  std::vector<PendingUpload> out;
  for (const auto& [id, upload] : uploads_)
    if (upload.key.starts_with(prefix)) out.push_back(upload);
  std::sort(out.begin(), out.end(),
            [](const PendingUpload& a, const PendingUpload& b) { return a.key < b.key; });
  return out;
}

Status MemoryObjectStore::AbortPendingUpload(const PendingUpload& upload) {
  std::lock_guard lock(mu_);
  uploads_.erase(upload.upload_id);
  return Status::Ok();
}

}  // namespace strata
