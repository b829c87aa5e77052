#include "objstore/caching_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>
#include <vector>

#include "common/checksum.h"

namespace strata {
namespace {

// Only these kinds of object are immutable once written (see the header).
constexpr std::array<std::string_view, 4> kImmutableKinds = {"insert_log/", "delta_log/",
                                                             "stats_log/", "index_files/"};
constexpr std::string_view kTempPrefix = ".tmp.";
constexpr std::string_view kFileSuffix = ".cache";
constexpr size_t kIdHexDigits = 16;

// A cache file is: object bytes | key | key length (u32 LE) | XXH3 of the bytes (u64 LE) |
// XXH3 of everything in the suffix before it (u64 LE). The second checksum covers the key
// and the first checksum, so a truncated or overwritten tail is always detected without
// copying the (possibly large) object to checksum it together with its key.
constexpr size_t kTrailerSize = 4 + 8 + 8;

void PutLittleEndian(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

std::string Suffix(std::string_view key, std::string_view data) {
  std::string suffix(key);
  PutLittleEndian(&suffix, key.size(), 4);
  PutLittleEndian(&suffix, Checksum64(data), 8);
  PutLittleEndian(&suffix, Checksum64(suffix), 8);
  return suffix;
}

// Strips the suffix off a cache file's contents; false if it is not `key`'s intact file.
bool Verify(std::string* contents, std::string_view key) {
  std::string_view all(*contents);
  if (all.size() < kTrailerSize) return false;
  const std::string_view trailer = all.substr(all.size() - kTrailerSize);
  const uint64_t key_size = GetLittleEndian(trailer, 4);
  if (key_size != key.size() || all.size() < kTrailerSize + key_size) return false;
  const size_t data_size = all.size() - kTrailerSize - key_size;
  const std::string_view checked = all.substr(data_size, key_size + 12);
  if (Checksum64(checked) != GetLittleEndian(trailer.substr(12), 8)) return false;
  if (all.substr(data_size, key_size) != key) return false;
  if (Checksum64(all.substr(0, data_size)) != GetLittleEndian(trailer.substr(4), 8)) return false;
  contents->resize(data_size);
  return true;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads the whole file; false if it cannot be opened or read. Touches its mtime, which is
// how recency survives a restart.
bool ReadAndTouch(const std::string& path, std::string* out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st;
  bool ok = ::fstat(fd, &st) == 0;
  if (ok) {
    out->resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (ok && done < out->size()) {
      ssize_t n = ::read(fd, out->data() + done, out->size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        ok = false;  // shrank under us: treat as unreadable
      else
        done += static_cast<size_t>(n);
    }
    if (ok) (void)::futimens(fd, nullptr);
  }
  ::close(fd);
  return ok;
}

std::optional<uint64_t> ParseFileName(std::string_view name) {
  if (name.size() != kIdHexDigits + kFileSuffix.size() || !name.ends_with(kFileSuffix))
    return std::nullopt;
  uint64_t id = 0;
  for (char c : name.substr(0, kIdHexDigits)) {
    int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (digit < 0) return std::nullopt;
    id = (id << 4) | static_cast<uint64_t>(digit);
  }
  return id;
}

}  // namespace

Result<std::unique_ptr<CachingObjectStore>> CachingObjectStore::Open(
    std::unique_ptr<ObjectStore> base, CacheOptions options) {
  if (options.capacity_bytes <= 0)
    return InvalidArgument(
        fmt::format("cache capacity must be positive, not {}", options.capacity_bytes));
  if (options.dir.empty()) return InvalidArgument("cache folder is empty");
  if (!options.root.empty() && options.root.back() != '/')
    return InvalidArgument(
        fmt::format("cache root '{}' must be empty or end with '/'", options.root));
  std::unique_ptr<CachingObjectStore> store(
      new CachingObjectStore(std::move(base), std::move(options)));
  RETURN_IF_ERROR(store->Scan());
  return store;
}

CachingObjectStore::CachingObjectStore(std::unique_ptr<ObjectStore> base, CacheOptions options)
    : base_(std::move(base)), options_(std::move(options)) {}

Status CachingObjectStore::Scan() {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) return Unavailable(fmt::format("cache folder {}: {}", options_.dir, ec.message()));
  std::vector<std::tuple<fs::file_time_type, uint64_t, int64_t>> found;
  for (fs::directory_iterator it(options_.dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(kTempPrefix)) {
      // Left by a crash mid-fill; never renamed, so never indexed.
      fs::remove(it->path(), ec);
      ec.clear();
      continue;
    }
    std::optional<uint64_t> id = ParseFileName(name);
    std::error_code file_ec;
    if (!id || !it->is_regular_file(file_ec)) continue;  // not ours: leave it alone
    const auto size = it->file_size(file_ec);
    const auto mtime = it->last_write_time(file_ec);
    if (file_ec) continue;  // vanished while scanning
    found.emplace_back(mtime, *id, static_cast<int64_t>(size));
  }
  if (ec) return Unavailable(fmt::format("cache folder {}: {}", options_.dir, ec.message()));
  std::sort(found.begin(), found.end());
  std::lock_guard lock(mu_);
  for (const auto& [mtime, id, size] : found) {  // oldest first, so the newest ends in front
    lru_.push_front(id);
    entries_[id] = Entry{size, lru_.begin()};
    total_bytes_ += size;
  }
  EvictLocked();
  return Status::Ok();
}

bool CachingObjectStore::Cacheable(std::string_view key) const {
  if (!key.starts_with(options_.root)) return false;
  key.remove_prefix(options_.root.size());
  return std::any_of(kImmutableKinds.begin(), kImmutableKinds.end(),
                     [&](std::string_view kind) { return key.starts_with(kind); });
}

std::string CachingObjectStore::FilePath(uint64_t id) const {
  return fmt::format("{}/{:016x}{}", options_.dir, id, kFileSuffix);
}

std::optional<std::string> CachingObjectStore::Lookup(std::string_view key, uint64_t id) {
  {
    std::lock_guard lock(mu_);
    if (!entries_.count(id)) return std::nullopt;
  }
  std::string contents;
  if (!ReadAndTouch(FilePath(id), &contents)) {
    Forget(id, /*discarded=*/false);  // deleted behind our back: just a miss
    return std::nullopt;
  }
  if (!Verify(&contents, key)) {
    Forget(id, /*discarded=*/true);
    return std::nullopt;
  }
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) lru_.splice(lru_.begin(), lru_, it->second.lru);
  ++counters_.hits;
  return contents;
}

void CachingObjectStore::Fill(std::string_view key, uint64_t id, std::string_view data) {
  const std::string suffix = Suffix(key, data);
  const int64_t size = static_cast<int64_t>(data.size() + suffix.size());
  if (size > options_.capacity_bytes) return;
  uint64_t n;
  {
    std::lock_guard lock(mu_);
    n = temp_counter_++;
  }
  const std::string temp =
      fmt::format("{}/{}{}-{:016x}-{}", options_.dir, kTempPrefix, ::getpid(), id, n);
  int fd = -1;
  for (int attempt = 0; attempt < 2 && fd < 0; ++attempt) {
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) {  // someone deleted the folder: recreate it once
      std::error_code ec;
      std::filesystem::create_directories(options_.dir, ec);
    }
  }
  if (fd < 0) return;
  bool ok = WriteAll(fd, data) && WriteAll(fd, suffix);
  ok = (::close(fd) == 0) && ok;
  std::lock_guard lock(mu_);
  // Renaming under the lock keeps the index and the folder in step with concurrent
  // evictions and invalidations of the same file.
  if (!ok || ::rename(temp.c_str(), FilePath(id).c_str()) != 0) {
    ::unlink(temp.c_str());
    return;
  }
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    total_bytes_ -= it->second.size;
    it->second.size = size;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  } else {
    lru_.push_front(id);
    entries_[id] = Entry{size, lru_.begin()};
  }
  total_bytes_ += size;
  EvictLocked();
}

void CachingObjectStore::Forget(uint64_t id, bool discarded) {
  std::lock_guard lock(mu_);
  ::unlink(FilePath(id).c_str());
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  total_bytes_ -= it->second.size;
  lru_.erase(it->second.lru);
  entries_.erase(it);
  if (discarded) ++counters_.discarded;
}

void CachingObjectStore::Invalidate(std::string_view key) {
  if (Cacheable(key)) Forget(Checksum64(key), /*discarded=*/false);
}

void CachingObjectStore::EvictLocked() {
  while (total_bytes_ > options_.capacity_bytes && !lru_.empty()) {
    const uint64_t id = lru_.back();
    ::unlink(FilePath(id).c_str());
    auto it = entries_.find(id);
    total_bytes_ -= it->second.size;
    entries_.erase(it);
    lru_.pop_back();
    ++counters_.evictions;
  }
}

Status CachingObjectStore::Put(std::string_view key, std::string_view data) {
  Status st = base_->Put(key, data);
  Invalidate(key);
  return st;
}

Status CachingObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  Status st = base_->PutIfAbsent(key, data);
  if (st.ok()) Invalidate(key);
  return st;
}

Result<std::string> CachingObjectStore::Get(std::string_view key) {
  if (!Cacheable(key)) return base_->Get(key);
  const uint64_t id = Checksum64(key);
  if (std::optional<std::string> hit = Lookup(key, id)) return std::move(*hit);
  {
    std::lock_guard lock(mu_);
    ++counters_.misses;
  }
  ASSIGN_OR_RETURN(std::string data, base_->Get(key));
  Fill(key, id, data);
  return data;
}

Result<std::string> CachingObjectStore::GetRange(std::string_view key, int64_t offset,
                                                 int64_t length) {
  if (!Cacheable(key) || offset < 0 || length < 0) return base_->GetRange(key, offset, length);
  std::optional<std::string> hit = Lookup(key, Checksum64(key));
  if (!hit) return base_->GetRange(key, offset, length);
  if (offset > static_cast<int64_t>(hit->size()))
    return OutOfRange("range starts past the end of " + std::string(key));
  return hit->substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

Result<ObjectInfo> CachingObjectStore::Head(std::string_view key) { return base_->Head(key); }

Result<std::vector<ObjectInfo>> CachingObjectStore::List(std::string_view prefix) {
  return base_->List(prefix);
}

Status CachingObjectStore::Delete(std::string_view key) {
  Status st = base_->Delete(key);
  Invalidate(key);
  return st;
}

Status CachingObjectStore::DeleteMany(std::span<const std::string> keys) {
  Status st = base_->DeleteMany(keys);
  for (const std::string& key : keys) Invalidate(key);
  return st;
}

Result<std::unique_ptr<MultipartWriter>> CachingObjectStore::NewWriter(std::string_view key) {
  Invalidate(key);
  return base_->NewWriter(key);
}

// Uploads are not objects: nothing of theirs is cached.
Result<std::vector<PendingUpload>> CachingObjectStore::ListPendingUploads(std::string_view prefix) {
  return base_->ListPendingUploads(prefix);
}

Status CachingObjectStore::AbortPendingUpload(const PendingUpload& upload) {
  return base_->AbortPendingUpload(upload);
}

std::string CachingObjectStore::Describe() const {
  return fmt::format("{} (cache {}, {} bytes)", base_->Describe(), options_.dir,
                     options_.capacity_bytes);
}

CacheStats CachingObjectStore::Stats() const {
  std::lock_guard lock(mu_);
  CacheStats stats = counters_;
  stats.bytes = total_bytes_;
  stats.files = static_cast<int64_t>(entries_.size());
  return stats;
}

}  // namespace strata
