// CachingObjectStore: a local read cache in front of any ObjectStore, for the objects that
// never change once written — column files, delete logs, stats and index files (keys under
// <root>insert_log/, delta_log/, stats_log/, index_files/; their log ids are hybrid
// timestamps, so a key is written once). Everything else is forwarded untouched.
//
// Each cached object is one file in the cache folder: the object's bytes, then its key and a
// trailer with an XXH3-64 checksum over both. Every hit re-reads and re-verifies the file; a
// short, corrupt or foreign file is discarded and the object fetched again, so the cache can
// only cost a refetch, never return wrong bytes. Files are written to a temp name and renamed.
// The folder is size-bounded: least recently used files are removed once the total passes
// the capacity. At Open the folder is scanned and recency approximated by file mtime (hits
// touch it). Deleting the folder or any file in it at any time is safe: a missing file is a
// miss, and the folder is recreated on the next fill. Failures of the cache itself (disk
// full, permissions) are never returned to the caller; they only make the cache colder.
//
// Put, PutIfAbsent, Delete, DeleteMany and NewWriter through this store drop the cached copy.
// GetRange serves hits from the cache but does not fill it on a miss (a range is not the
// whole object). Thread-safe: one mutex guards the index; file reads happen outside it.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "objstore/object_store.h"

namespace strata {

struct CacheOptions {
  std::string dir;                            // created if missing
  int64_t capacity_bytes = int64_t{4} << 30;  // total size of the files, trailers included
  std::string root;  // key prefix of the store's layout: "" or ending in '/'
};

struct CacheStats {
  int64_t hits = 0;
  int64_t misses = 0;     // cacheable Gets that went to the backing store
  int64_t bytes = 0;      // current total size of the cache files
  int64_t files = 0;      // current number of cache files
  int64_t evictions = 0;  // files removed to stay under capacity
  int64_t discarded = 0;  // files found short, corrupt or holding another key
};

class CachingObjectStore : public ObjectStore {
 public:
  // Takes ownership of `base`. Creates `options.dir` if needed, removes temp files a crash
  // left there, and indexes the cache files it finds (evicting if they exceed capacity).
  // InvalidArgument for a non-positive capacity or a bad root; errors creating or scanning
  // the folder are returned as they are.
  static Result<std::unique_ptr<CachingObjectStore>> Open(std::unique_ptr<ObjectStore> base,
                                                          CacheOptions options);

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
  // "<base> (cache DIR, N bytes)".
  std::string Describe() const override;

  CacheStats Stats() const;
  // True if Gets of `key` go through the cache.
  bool Cacheable(std::string_view key) const;

 private:
  struct Entry {
    int64_t size = 0;
    std::list<uint64_t>::iterator lru;  // position in lru_ (front = most recent)
  };

  CachingObjectStore(std::unique_ptr<ObjectStore> base, CacheOptions options);
  Status Scan();
  std::string FilePath(uint64_t id) const;
  // The cached bytes of `key`, or nullopt (a miss) after discarding a bad file.
  std::optional<std::string> Lookup(std::string_view key, uint64_t id);
  // Writes the object's cache file and indexes it; failures leave the cache without it.
  void Fill(std::string_view key, uint64_t id, std::string_view data);
  void Forget(uint64_t id, bool discarded);
  void Invalidate(std::string_view key);
  // Removes least recently used files until total_bytes_ <= capacity. Needs mu_.
  void EvictLocked();

  const std::unique_ptr<ObjectStore> base_;
  const CacheOptions options_;

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Entry> entries_;  // by Checksum64(key)
  std::list<uint64_t> lru_;
  int64_t total_bytes_ = 0;
  CacheStats counters_;  // hits, misses, evictions, discarded
  uint64_t temp_counter_ = 0;
};

}  // namespace strata
