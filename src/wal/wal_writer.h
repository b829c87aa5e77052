// WalWriter: the write-ahead log of one collection shard on the object store, with group
// commit. Each group commit is one object named WalKey(prefix, lsn) (wal/wal_reader.h);
// lsns start at 1 and grow by exactly 1 per object, so "everything up to lsn N" is a
// position a manifest can record.
//
// Append blocks until its record is in a durable object (store->Put returned OK), then
// invokes the record's `apply` callback and returns the object's lsn. Concurrent Appends
// are batched: the oldest waiting caller becomes the leader, optionally lingers, takes the
// queued records (up to max_batch_bytes, at least one), writes one object, then invokes
// every record's callback in queue order while holding the apply mutex, so applications
// happen strictly in lsn order and never concurrently. The next leader's Put overlaps the
// previous group's applications.
//
// If the Put fails, every record of that group gets the error, nothing is applied and the
// lsn is not consumed: the next group reuses it, replacing whatever a partial Put may have
// left under that key. The outcome of a failed append is therefore unknown to its caller
// only in the way any timed-out write is: if the store kept the bytes and the process
// crashes before another group replaces them, recovery replays them.
//
// Thread safety: all methods are thread-safe. `apply` callbacks and RunExclusive's fn run
// under the apply mutex and must not call Append or RunExclusive. The store must outlive
// the writer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "format/wal_codec.h"
#include "objstore/object_store.h"

namespace strata {

struct WalOptions {
  // Upper bound on the encoded records of one group (one oversized record still goes alone).
  size_t max_batch_bytes = size_t{64} << 20;
  // How long a leader waits for more records before collecting its group.
  int64_t linger_us = 0;
};

class WalWriter {
 public:
  using ApplyFn = std::function<void(uint64_t lsn, const WalRecord& record)>;

  // next_lsn: the lsn of the next object (>= 1): one past the highest lsn found at
  // recovery, or 1 for a new shard. Everything below it counts as applied.
  WalWriter(ObjectStore* store, std::string prefix, uint64_t next_lsn, WalOptions options = {});

  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Returns the lsn of the object holding `record` after `apply` (may be empty) ran, or
  // the store's error (with context) if the group's Put failed; then nothing was applied.
  Result<uint64_t> Append(WalRecord record, ApplyFn apply);

  // Runs fn(last applied lsn) holding the apply mutex: no record is applied meanwhile, so
  // the caller sees a consistent cut (e.g. to swap the growing segment at flush).
  void RunExclusive(const std::function<void(uint64_t last_applied_lsn)>& fn);

  // Highest lsn written durably (next_lsn - 1 before the first Append).
  uint64_t last_lsn() const;

  // Records lsns of objects that already exist under the prefix (found by ListWal at
  // recovery) so TruncateThrough can delete them without listing.
  void AdoptExisting(std::vector<uint64_t> lsns);

  // Deletes the known objects with lsn <= `lsn` (those this writer wrote or adopted). On
  // error the objects stay known and a later call retries them.
  Status TruncateThrough(uint64_t lsn);

 private:
  struct Waiter {
    WalRecord record;
    ApplyFn apply;
    std::condition_variable cv;
    bool done = false;
    Status status;
    uint64_t lsn = 0;
  };

  // Leader path: writes the group starting at queue_.front() (`self`) and completes it.
  void LeadGroup(std::unique_lock<std::mutex>& lock);

  ObjectStore* const store_;
  const std::string prefix_;
  const WalOptions options_;

  // Held while applying a group and by RunExclusive. Lock order: apply_mu_, then mu_.
  std::mutex apply_mu_;
  uint64_t last_applied_lsn_;  // guarded by apply_mu_

  mutable std::mutex mu_;
  std::deque<Waiter*> queue_;  // guarded by mu_; front is the leader
  uint64_t next_lsn_;          // guarded by mu_
  std::set<uint64_t> known_;   // guarded by mu_; lsns of objects that exist
};

}  // namespace strata
