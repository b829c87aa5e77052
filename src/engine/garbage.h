// Garbage collection of the bucket. A crash between writing objects and the catalog commit
// that names them (a flush, a compaction, an index build), or a delete that failed, leaves
// objects nothing will ever read. The newest manifest names every live object, so garbage is
// what the store holds under Strata's data prefixes and that manifest does not name:
//   insert_log/, stats_log/, delta_log/, index_files/  objects the manifest does not list
//   wal/<collection>/0/<lsn>  objects its flush already covers, or of a dropped collection
// catalog/ prunes itself (catalog.h); other prefixes and keys of no known shape are not ours
// and are never touched. Uploads begun under the data prefixes and never finished (a writer
// died mid-object; ObjectStore::ListPendingUploads) follow the same rules, named or not,
// and are aborted.
//
// What keeps a round from deleting an object that is about to be named (doc/design.md):
// - it lists first, then settles the catalog (Catalog::Settled: the newest version in the
//   store, with any commit of unknown outcome resolved), so every object listed whose writer
//   committed is named by the manifest it compares with;
// - flushes in progress (PendingWrites) make it skip the round;
// - compactions and index builds run on the same worker thread as the collection, so never
//   meanwhile;
// - an object younger than `min_age_ms` by the store's clock is kept: the margin for a writer
//   this process cannot see, such as a second server before it is fenced.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "objstore/object_store.h"

namespace strata {

// Counts operations in progress that write objects for a later commit to name (flushes).
class PendingWrites {
 public:
  // Held from before the operation's first write until its commit has returned, either way.
  class Scope {
   public:
    explicit Scope(PendingWrites* owner) : owner_(owner) { owner_->count_.fetch_add(1); }
    ~Scope() { owner_->count_.fetch_sub(1); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    PendingWrites* owner_;
  };

  bool Any() const { return count_.load() > 0; }

 private:
  std::atomic<int64_t> count_{0};
};

struct GarbageReport {
  bool skipped = false;  // a flush was in progress: nothing was deleted
  int64_t listed = 0;    // objects under the data prefixes
  int64_t deleted = 0;   // unnamed and old enough
  int64_t deleted_bytes = 0;
  int64_t too_young = 0;        // unnamed, but written less than min_age_ms ago
  int64_t unrecognized = 0;     // keys of no shape Strata writes: kept
  int64_t uploads_listed = 0;   // pending uploads under the data prefixes
  int64_t uploads_aborted = 0;  // abandoned: FindAbandonedUploads
};

// Pure: the objects of `listed` (keys with the root prefix) that `manifest` does not need,
// last written at least `min_age_ms` before `now_ms`. Counts into `report`.
std::vector<ObjectInfo> FindGarbage(const Manifest& manifest, std::string_view root,
                                    std::span<const ObjectInfo> listed, int64_t now_ms,
                                    int64_t min_age_ms, GarbageReport* report);

// Pure: the uploads of `listed` that FindGarbage's rules would delete were they objects
// (written at initiated_ms), whether their key is named or not. Counts into `report`.
std::vector<PendingUpload> FindAbandonedUploads(const Manifest& manifest, std::string_view root,
                                                std::span<const PendingUpload> listed,
                                                int64_t now_ms, int64_t min_age_ms,
                                                GarbageReport* report);

// One round: lists the data prefixes (objects and pending uploads), skips if `flushes` has
// one in progress, settles the catalog, deletes FindGarbage's objects and aborts
// FindAbandonedUploads' uploads. Errors (listing, settling, deleting, aborting) are
// returned; a fenced catalog is FailedPrecondition and deletes nothing.
Result<GarbageReport> CollectGarbage(ObjectStore* store, std::string_view root, Catalog* catalog,
                                     const PendingWrites& flushes, int64_t min_age_ms);

}  // namespace strata
