#include "objstore/object_store.h"

#include "objstore/local_store.h"
#include "objstore/memory_store.h"

namespace strata {

Status ValidateKey(std::string_view key) {
  if (key.empty()) return InvalidArgument("empty object key");
  if (key.front() == '/') return InvalidArgument("object key starts with '/': " + std::string(key));
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    std::string_view seg = key.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..")
      return InvalidArgument("invalid object key: " + std::string(key));
    start = end + 1;
  }
  return Status::Ok();
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(std::string_view uri) {
  if (uri == "mem://") return std::unique_ptr<ObjectStore>(std::make_unique<MemoryObjectStore>());
  std::string_view path = uri;
  if (uri.starts_with("file://")) {
    path.remove_prefix(std::string_view("file://").size());
    // file://host/path is not supported: only local absolute paths.
    if (!path.starts_with('/'))
      return InvalidArgument("file:// URI needs an absolute path: " + std::string(uri));
  } else if (uri.find("://") != std::string_view::npos) {
    return InvalidArgument("unsupported storage URI: " + std::string(uri));
  }
  if (path.empty()) return InvalidArgument("empty storage URI");
  ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(path));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace strata
