// In-memory ObjectStore for unit tests of the layers above. Same contract as the others;
// durable only for the life of the object.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "objstore/object_store.h"

namespace strata {

class MemoryObjectStore : public ObjectStore {
 public:
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(std::span<const std::string> keys) override;
  // The writer's bytes are an upload from its first Append until Complete or Abort.
  Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) override;
  Result<std::vector<PendingUpload>> ListPendingUploads(std::string_view prefix) override;
  Status AbortPendingUpload(const PendingUpload& upload) override;
  std::string Describe() const override { return "mem://"; }

  // What stamps each write's mtime_ms (default: the system clock), so tests can age objects.
  void SetClock(std::function<int64_t()> now_ms);

 private:
  struct Stored {
    std::string data;
    int64_t mtime_ms = 0;
  };

  friend class MemoryWriter;

  int64_t NowMsLocked() const;  // requires mu_
  // A writer's first Append registers its upload; finishing it (either way) ends it. Ending
  // answers NotFound if AbortPendingUpload ended it first.
  std::string BeginUpload(std::string_view key);
  Status EndUpload(const std::string& upload_id);

  std::mutex mu_;
  std::function<int64_t()> now_ms_;
  std::map<std::string, Stored, std::less<>> objects_;
  std::map<std::string, PendingUpload> uploads_;  // by upload id
  uint64_t next_upload_ = 1;
};

}  // namespace strata
