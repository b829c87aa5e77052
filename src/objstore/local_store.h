// LocalObjectStore: the ObjectStore over a folder of the local file system, the default
// home of a Strata database. Key "a/b/c" is the file <root>/a/b/c; directories are created
// as keys need them.
//
// Durability: Put writes a temp file beside the target (".tmp.*", never listed), fsyncs
// it, renames it over the target and fsyncs the directory; new directories are fsynced
// into their parents. PutIfAbsent publishes the fsynced temp file with link(2), which
// fails if the target exists, so two writers racing for one key cannot both win. Delete
// fsyncs the directory after unlinking.
//
// Differences from S3 forced by the file system (reported as errors, never silently):
// a key cannot be both an object and a "directory" of other keys (Put of "a/b" when
// "a/b/c" exists, or the reverse, is FailedPrecondition); key segments starting with
// ".tmp." are reserved for temp files (InvalidArgument).
//
// Errors name the key and the path: ENOENT -> NotFound, EACCES/EPERM/EROFS ->
// PermissionDenied, ENOSPC/EIO and other transient conditions -> Unavailable (the call can
// be retried; a failed Put leaves the old object in place), anything else -> Internal.
//
// Thread-safe; several processes may share one root. Temp files left by a crashed
// process are ignored by every method but ListPendingUploads; Open removes them.
#pragma once

#include <memory>
#include <string>

#include "objstore/object_store.h"

namespace strata {

class LocalObjectStore : public ObjectStore {
 public:
  // Opens the store rooted at `root` (relative paths are resolved against the current
  // directory), creating the directory if it is missing. InvalidArgument if `root` exists
  // and is not a directory.
  static Result<std::unique_ptr<LocalObjectStore>> Open(std::string_view root);

  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::string> Get(std::string_view key) override;
  Result<std::string> GetRange(std::string_view key, int64_t offset, int64_t length) override;
  Result<ObjectInfo> Head(std::string_view key) override;
  Result<std::vector<ObjectInfo>> List(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeleteMany(std::span<const std::string> keys) override;
  // The writer owns its temp file and does not refer to this object afterwards. A writer
  // is used by one thread at a time.
  Result<std::unique_ptr<MultipartWriter>> NewWriter(std::string_view key) override;
  // Uploads are the temp files of writers and Puts in progress, or of writers that died;
  // upload_id is the temp file's path under the root, initiated_ms its last write. A temp
  // file of an object whose name is over 200 bytes does not record it and is not listed.
  Result<std::vector<PendingUpload>> ListPendingUploads(std::string_view prefix) override;
  Status AbortPendingUpload(const PendingUpload& upload) override;
  // "file://<absolute root>".
  std::string Describe() const override { return "file://" + root_; }

  // Deletes temp files left by writers that died (a process killed mid-Put): those whose
  // writer pid, recorded in the name, is no longer running. Open calls it; returns how many.
  int64_t RemoveAbandonedTempFiles();

  // Absolute path of the root directory, without a trailing '/'.
  const std::string& root() const { return root_; }

 private:
  explicit LocalObjectStore(std::string root) : root_(std::move(root)) {}

  std::string root_;
};

}  // namespace strata
