#include "wal/wal_writer.h"

#include <fmt/format.h>

#include <cassert>
#include <chrono>
#include <thread>

#include "wal/wal_reader.h"

namespace strata {

WalWriter::WalWriter(ObjectStore* store, std::string prefix, uint64_t next_lsn, WalOptions options)
    : store_(store),
      prefix_(std::move(prefix)),
      options_(options),
      last_applied_lsn_(next_lsn - 1),
      next_lsn_(next_lsn) {
  assert(next_lsn >= 1 && "lsn 0 means 'nothing written'");
}

Result<uint64_t> WalWriter::Append(WalRecord record, ApplyFn apply) {
  Waiter self;
  self.record = std::move(record);
  self.apply = std::move(apply);
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || (!queue_.empty() && queue_.front() == &self); });
  if (!self.done) LeadGroup(lock);
  if (!self.status.ok()) return self.status;
  return self.lsn;
}

void WalWriter::LeadGroup(std::unique_lock<std::mutex>& lock) {
  if (options_.linger_us > 0) {
    // Stay at the front (so no one else leads) while more records queue up behind us.
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::microseconds(options_.linger_us));
    lock.lock();
  }
  std::vector<Waiter*> group;
  size_t bytes = 0;
  for (Waiter* w : queue_) {
    size_t size = WalRecordEncodedSize(w->record);
    if (!group.empty() && bytes + size > options_.max_batch_bytes) break;
    group.push_back(w);
    bytes += size;
  }
  const uint64_t lsn = next_lsn_;
  lock.unlock();

  // Group members only wait until they are marked done, so their records can be moved
  // out without mu_.
  std::vector<WalRecord> records;
  records.reserve(group.size());
  for (Waiter* w : group) records.push_back(std::move(w->record));
  const std::string key = WalKey(prefix_, lsn);
  Status put = store_->Put(key, EncodeWalObject(lsn, records));

  if (!put.ok()) {
    // The lsn stays unconsumed: the next group writes the same key, replacing anything a
    // partial Put left there.
    Status error = put.WithContext(fmt::format("WAL append to '{}'", key));
    lock.lock();
    for (Waiter* w : group) {
      queue_.pop_front();
      w->done = true;
      w->status = error;
      w->cv.notify_one();
    }
    if (!queue_.empty()) queue_.front()->cv.notify_one();
    return;
  }

  // Take the apply mutex before handing leadership on: the next leader's Put may overlap
  // our applications, but its own applications wait for ours, keeping lsn order.
  std::unique_lock apply_lock(apply_mu_);
  lock.lock();
  next_lsn_ = lsn + 1;
  known_.insert(lsn);
  for (size_t i = 0; i < group.size(); ++i) queue_.pop_front();
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  lock.unlock();

  for (size_t i = 0; i < group.size(); ++i)
    if (group[i]->apply) group[i]->apply(lsn, records[i]);
  last_applied_lsn_ = lsn;
  apply_lock.unlock();

  // Notify while holding mu_: a woken follower returns and destroys its Waiter (and cv),
  // which it cannot do before we release mu_.
  lock.lock();
  for (Waiter* w : group) {
    w->done = true;
    w->lsn = lsn;
    w->cv.notify_one();
  }
}

void WalWriter::RunExclusive(const std::function<void(uint64_t last_applied_lsn)>& fn) {
  std::lock_guard apply_lock(apply_mu_);
  fn(last_applied_lsn_);
}

uint64_t WalWriter::last_lsn() const {
  std::lock_guard lock(mu_);
  return next_lsn_ - 1;
}

void WalWriter::AdoptExisting(std::vector<uint64_t> lsns) {
  std::lock_guard lock(mu_);
  known_.insert(lsns.begin(), lsns.end());
}

Status WalWriter::TruncateThrough(uint64_t lsn) {
  std::vector<uint64_t> lsns;
  {
    std::lock_guard lock(mu_);
    for (auto it = known_.begin(); it != known_.end() && *it <= lsn; ++it) lsns.push_back(*it);
  }
  if (lsns.empty()) return Status::Ok();
  std::vector<std::string> keys;
  keys.reserve(lsns.size());
  for (uint64_t l : lsns) keys.push_back(WalKey(prefix_, l));
  // Not under mu_: appends proceed while the store deletes.
  RETURN_IF_ERROR(store_->DeleteMany(keys).WithContext(
      fmt::format("truncating WAL '{}' through lsn {}", prefix_, lsn)));
  std::lock_guard lock(mu_);
  for (uint64_t l : lsns) known_.erase(l);
  return Status::Ok();
}

}  // namespace strata
