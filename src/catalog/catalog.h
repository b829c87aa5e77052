// Catalog: Strata's metadata, committed as numbered Manifest snapshots (manifest.h) in the
// object store at <root>catalog/<version, 20 digits>. The highest version is the truth.
//
// A commit writes version N+1 with PutIfAbsent, so exactly one writer can produce each
// version: a second server on the same root loses the race on its first commit and is fenced
// (FailedPrecondition) from then on, instead of silently overwriting the other's history.
// After each commit, versions older than the newest kKeepVersions are deleted (best effort).
// Why whole snapshots and not edits: see manifest.h. The protocol is in doc/catalog.md.
//
// Thread safety: all methods may be called concurrently; commits are serialized. `mutate`
// runs with the commit lock held, so it may call Snapshot() or version() but not Commit().
// Ownership: the caller keeps `store` alive for the life of the Catalog.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/manifest.h"
#include "common/result.h"
#include "common/status.h"
#include "objstore/object_store.h"

namespace strata {

// "<root>catalog/" and "<root>catalog/<version as 20 zero-padded digits>".
std::string ManifestPrefix(std::string_view root);
std::string ManifestKey(std::string_view root, uint64_t version);

class Catalog {
 public:
  static constexpr size_t kKeepVersions = 10;

  // `root` is "" or a prefix ending in '/' (InvalidArgument otherwise). Lists
  // <root>catalog/ once and reads the highest version; starts empty at version 0 when there
  // is none. A corrupt highest version is DataLoss naming its key: older versions are never
  // used silently, since they would forget acknowledged changes. Store errors are returned
  // as they are (retriable ones stay retriable).
  static Result<std::unique_ptr<Catalog>> Open(ObjectStore* store, std::string root);

  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // A copy of the current manifest.
  Manifest Snapshot() const;
  // The current manifest itself, shared and immutable: no copy, for per-request reads.
  std::shared_ptr<const Manifest> Current() const;
  uint64_t version() const;
  const std::string& root() const { return root_; }

  // Applies `mutate` to a copy of the current manifest and commits it as version + 1.
  // - `mutate` returns non-OK: nothing is written; that status is returned.
  // - The version already exists (another server committed to this root): returns
  //   FailedPrecondition ("another Strata server is writing to ..."); the in-memory state
  //   stays as it was and every later Commit fails the same way.
  // - Any other store error: the in-memory state is unchanged and the error is returned.
  //   If the write may have landed anyway (e.g. a timeout), the next Commit finds out
  //   before writing, and adopts that version if it did land.
  // On success the new manifest is current, and old versions are pruned (failures logged).
  Status Commit(const std::function<Status(Manifest&)>& mutate);

  // The current manifest, once it is known to be the newest in the store: a commit of
  // unknown outcome is settled first, and <root>catalog/ is listed to check that no other
  // writer has committed since. A newer version found there fences this catalog
  // (FailedPrecondition, as Commit); a store error is returned as it is. What garbage
  // collection compares the bucket with: it must never delete what the newest manifest names.
  Result<std::shared_ptr<const Manifest>> Settled();

 private:
  // A write whose outcome is unknown: the PUT failed, but the store may have applied it.
  struct PendingWrite {
    std::string key;
    std::string bytes;
    Manifest manifest;
  };

  Catalog(ObjectStore* store, std::string root, Manifest current, std::deque<uint64_t> versions);

  enum class WriteOutcome { kLanded, kAbsent, kTakenByOther };

  Status FencedError(std::string_view key) const;
  // Marks this catalog fenced (every later Commit fails), logs, returns FencedError(key).
  Status Fence(std::string_view key);
  // Reads `write.key` back to learn what became of a PUT that did not report success;
  // the store's error when it cannot tell.
  Result<WriteOutcome> CheckWrite(const PendingWrite& write) const;
  // Settles pending_ (if any) before a new commit. Requires commit_mu_.
  Status ResolvePending();
  // Makes `manifest` current and prunes old versions. Requires commit_mu_.
  void Install(Manifest manifest);

  ObjectStore* const store_;
  const std::string root_;

  std::mutex commit_mu_;  // serializes Commit; guards the members below it
  bool fenced_ = false;
  std::optional<PendingWrite> pending_;
  std::deque<uint64_t> versions_;  // versions present in the store, oldest first

  mutable std::mutex mu_;                    // guards current_ (held only to swap or copy it)
  std::shared_ptr<const Manifest> current_;  // replaced, never modified in place
};

}  // namespace strata
