// In-memory ObjectStore for unit tests of the layers above. Same contract as the others;
// durable only for the life of the object.
#pragma once

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
  Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) override;
  std::string Describe() const override { return "mem://"; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string, std::less<>> objects_;
};

}  // namespace strata
