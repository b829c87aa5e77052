#include "objstore/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <utility>

namespace strata {
namespace {

constexpr std::string_view kTempPrefix = ".tmp.";
// A concurrent Delete may remove a directory that a Put has just created (it prunes empty
// directories); creating the temp file retries this many times before giving up.
constexpr int kCreateAttempts = 16;
// A temp file's name ends with its target's name when that is at most this long, so that
// ListPendingUploads can say which key it is for; ".tmp.<pid>-<nonce>-<n>-" takes at most 55
// of the file system's 255 bytes.
constexpr size_t kMaxNamedTarget = 200;

std::string JoinPath(std::string_view dir, std::string_view rel) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out.push_back('/');
  out.append(rel);
  return out;
}

std::string ParentPath(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

// Maps an errno to a Status code; `msg` already says what failed and where.
Status FromErrno(int err, std::string msg) {
  msg += ": ";
  msg += std::strerror(err);
  switch (err) {
    case ENOENT:
      return NotFound(std::move(msg));
    case EEXIST:
      return AlreadyExists(std::move(msg));
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY:
      return FailedPrecondition(msg + " (an object and a key prefix share this path)");
    case EACCES:
    case EPERM:
    case EROFS:
      return Status(StatusCode::kPermissionDenied, std::move(msg));
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EAGAIN:
    case EMFILE:
    case ENFILE:
    case ENOMEM:
    case ETIMEDOUT:
    case ESTALE:
      return Unavailable(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

// The Status for a failed call that touches `key`, naming the key and the path.
Status ErrnoStatus(int err, std::string_view op, std::string_view key, std::string_view path) {
  return FromErrno(
      err, std::string(op) + " object '" + std::string(key) + "' (" + std::string(path) + ")");
}

// A key that ValidateKey accepts and that cannot be mistaken for one of our temp files.
Status CheckLocalKey(std::string_view key) {
  RETURN_IF_ERROR(ValidateKey(key));
  size_t start = 0;
  while (start < key.size()) {
    size_t end = std::min(key.find('/', start), key.size());
    if (key.substr(start, end - start).starts_with(kTempPrefix))
      return InvalidArgument("object key segment starts with reserved '.tmp.': " +
                             std::string(key));
    start = end + 1;
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir, std::string_view key) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory for", key, dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoStatus(err, "fsync directory for", key, dir);
  return Status::Ok();
}

// Creates the directories between `root` and the directory that will hold `key`. Each new
// directory is fsynced into its parent so the path to an object survives a crash. A
// directory that vanishes mid-way (concurrent Delete pruning it) is left for the caller's
// retry to recreate.
Status MakeParents(const std::string& root, std::string_view key) {
  for (size_t slash = key.find('/'); slash != std::string_view::npos;
       slash = key.find('/', slash + 1)) {
    std::string dir = JoinPath(root, key.substr(0, slash));
    if (::mkdir(dir.c_str(), 0755) == 0) {
      Status synced = SyncDir(ParentPath(dir), key);
      if (!synced.ok() && synced.code() != StatusCode::kNotFound) return synced;
    } else if (errno != EEXIST && errno != ENOENT) {
      return ErrnoStatus(errno, "create directory for", key, dir);
    }
  }
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, std::string_view key, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", key, path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Reads exactly out->size() bytes at `offset`, or fewer if the file ends first.
Status PreadAll(int fd, int64_t offset, std::string* out, std::string_view key,
                const std::string& path) {
  size_t done = 0;
  while (done < out->size()) {
    ssize_t n = ::pread(fd, out->data() + done, out->size() - done,
                        static_cast<off_t>(offset + static_cast<int64_t>(done)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", key, path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return Status::Ok();
}

// ".tmp.<pid>-<nonce>-<n>-<target's name>", or without "-<target's name>" for a long one.
std::string TempName(pid_t pid, uint64_t nonce, uint64_t n, std::string_view key) {
  std::string name = std::string(kTempPrefix) + std::to_string(pid) + "-" + std::to_string(nonce) +
                     "-" + std::to_string(n);
  std::string_view target = key.substr(key.rfind('/') + 1);
  if (target.size() <= kMaxNamedTarget) name.append("-").append(target);
  return name;
}

// The target's name that TempName put in `name`, or "" when it holds none.
std::string_view TempTarget(std::string_view name) {
  if (!name.starts_with(kTempPrefix)) return {};
  name.remove_prefix(kTempPrefix.size());
  for (int field = 0; field < 3; ++field) {
    size_t dash = name.find('-');
    if (dash == std::string_view::npos) return {};
    name.remove_prefix(dash + 1);
  }
  return name;
}

// A uniquely named, not yet visible file beside an object's final path. Destroying it
// without publishing removes it.
class TempFile {
 public:
  // Creates the temp file for `key` under `root`, creating parent directories as needed.
  static Result<TempFile> Create(const std::string& root, std::string_view key) {
    static const uint64_t nonce = std::random_device{}();
    static std::atomic<uint64_t> counter{0};
    std::string target = JoinPath(root, key);
    std::string dir = ParentPath(target);
    int err = 0;
    std::string path;
    for (int attempt = 0; attempt < kCreateAttempts; ++attempt) {
      path = JoinPath(dir, TempName(::getpid(), nonce, counter++, key));
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd >= 0) return TempFile(fd, std::move(path), std::move(target));
      err = errno;
      if (err == ENOENT) {
        RETURN_IF_ERROR(MakeParents(root, key));
      } else if (err != EEXIST && err != EINTR) {
        break;
      }
    }
    return ErrnoStatus(err, "create temp file for", key, path);
  }

  TempFile(TempFile&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)),
        path_(std::move(other.path_)),
        target_(std::move(other.target_)) {
    other.path_.clear();
  }
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() { Discard(); }

  const std::string& target() const { return target_; }

  Status Append(std::string_view data, std::string_view key) {
    return WriteAll(fd_, data, key, path_);
  }

  // fsync + close: the bytes are on disk before any name points at them.
  Status SyncAndClose(std::string_view key) {
    if (::fsync(fd_) != 0) return ErrnoStatus(errno, "fsync", key, path_);
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) return ErrnoStatus(errno, "close", key, path_);
    return Status::Ok();
  }

  // Atomically replaces the target, then makes the new name durable.
  Status RenameOverTarget(std::string_view key) {
    if (::rename(path_.c_str(), target_.c_str()) != 0)
      return ErrnoStatus(errno, "rename temp file onto", key, target_);
    path_.clear();
    return SyncDir(ParentPath(target_), key);
  }

  // Publishes under the target only if nothing is there: link(2) never overwrites.
  Status LinkToTarget(std::string_view key) {
    if (::link(path_.c_str(), target_.c_str()) != 0) {
      if (errno == EEXIST)
        return AlreadyExists("object exists: '" + std::string(key) + "' (" + target_ + ")");
      return ErrnoStatus(errno, "link temp file to", key, target_);
    }
    Discard();
    return SyncDir(ParentPath(target_), key);
  }

  void Discard() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
    if (!path_.empty()) ::unlink(path_.c_str());
    path_.clear();
  }

 private:
  TempFile(int fd, std::string path, std::string target)
      : fd_(fd), path_(std::move(path)), target_(std::move(target)) {}

  int fd_;
  std::string path_;  // empty once published or discarded
  std::string target_;
};

class LocalWriter : public MultipartWriter {
 public:
  LocalWriter(std::string key, TempFile tmp) : key_(std::move(key)), tmp_(std::move(tmp)) {}

  Status Append(std::string_view data) override {
    if (done_) return FailedPrecondition("writer for '" + key_ + "' already completed or aborted");
    return tmp_.Append(data, key_);
  }
  Status Complete() override {
    if (done_) return FailedPrecondition("writer for '" + key_ + "' already completed or aborted");
    done_ = true;
    RETURN_IF_ERROR(tmp_.SyncAndClose(key_));
    return tmp_.RenameOverTarget(key_);
  }
  Status Abort() override {
    done_ = true;
    tmp_.Discard();
    return Status::Ok();
  }

 private:
  std::string key_;
  TempFile tmp_;
  bool done_ = false;
};

// Opens an object for reading; NotFound when no regular file sits at the key's path.
Result<int> OpenForRead(const std::string& path, std::string_view key, struct stat* st) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("no such object: " + std::string(key));
    return ErrnoStatus(errno, "open", key, path);
  }
  if (::fstat(fd, st) != 0) {
    int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "stat", key, path);
  }
  if (!S_ISREG(st->st_mode)) {
    ::close(fd);
    return NotFound("no such object: " + std::string(key));
  }
  return fd;
}

int64_t MtimeMs(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
}

// Calls `visit(rel, name, st)` for every regular file, temp files included, in the
// directories below `dir` (whose key prefix is `rel`, "" or ending in '/') that can hold a
// key starting with `prefix`. Directories that cannot are not opened.
using FileVisitor =
    std::function<void(const std::string& rel, std::string_view name, const struct stat& st)>;
Status Walk(const std::string& dir, const std::string& rel, std::string_view prefix,
            const FileVisitor& visit) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    // Removed (or replaced by a file) while we were walking: nothing below it now.
    if (!rel.empty() && (errno == ENOENT || errno == ENOTDIR)) return Status::Ok();
    return ErrnoStatus(errno, "list", std::string(rel) + "*", dir);
  }
  Status status;
  while (status.ok()) {
    errno = 0;
    struct dirent* entry = ::readdir(d);
    if (entry == nullptr) {
      if (errno != 0) status = ErrnoStatus(errno, "list", rel + "*", dir);
      break;
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::string key = rel + std::string(name);
    struct stat st;
    if (::fstatat(::dirfd(d), entry->d_name, &st, 0) != 0) {
      if (errno == ENOENT) continue;  // deleted since readdir
      status = ErrnoStatus(errno, "stat", key, JoinPath(dir, name));
    } else if (S_ISDIR(st.st_mode)) {
      std::string sub = key + "/";
      if (!name.starts_with(kTempPrefix) && (sub.starts_with(prefix) || prefix.starts_with(sub)))
        status = Walk(JoinPath(dir, name), sub, prefix, visit);
    } else if (S_ISREG(st.st_mode)) {
      visit(rel, name, st);
    }
  }
  ::closedir(d);
  return status;
}

// Removes `key`'s file; returns whether there was one (a missing object is not an error).
// Does not sync the directory.
Result<bool> UnlinkObject(const std::string& root, std::string_view key) {
  std::string path = JoinPath(root, key);
  if (::unlink(path.c_str()) == 0) return true;
  // ENOTDIR / EISDIR: the path is a directory or runs through a file, so no object.
  if (errno == ENOENT || errno == ENOTDIR || errno == EISDIR) return false;
  return ErrnoStatus(errno, "delete", key, path);
}

// Removes the now-empty directories between `key` and the root so List does not walk
// dead branches. Best effort: a non-empty or vanished directory just stops the climb,
// and a Put racing with this recreates what it needs (see kCreateAttempts).
void PruneEmptyParents(const std::string& root, std::string_view key) {
  for (size_t slash = key.rfind('/'); slash != std::string_view::npos && slash > 0;
       slash = key.rfind('/', slash - 1)) {
    if (::rmdir(JoinPath(root, key.substr(0, slash)).c_str()) != 0) break;
  }
}

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(std::string_view root) {
  if (root.empty()) return InvalidArgument("empty storage root path");
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(std::string(root), ec);
  if (ec) return Internal("cannot resolve storage root " + std::string(root) + ": " + ec.message());
  std::string path = abs.lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();

  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return InvalidArgument("storage root is not a directory: " + path);
  } else if (errno == ENOENT) {
    std::filesystem::create_directories(path, ec);
    if (ec) return FromErrno(ec.value(), "cannot create storage root " + path);
    // Make the new root itself durable, like any directory created for a key.
    int fd = ::open(ParentPath(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      return FromErrno(err, "cannot sync the parent of storage root " + path);
    }
    ::close(fd);
  } else {
    return FromErrno(errno, "cannot stat storage root " + path);
  }
  std::unique_ptr<LocalObjectStore> store(new LocalObjectStore(std::move(path)));
  store->RemoveAbandonedTempFiles();
  return store;
}

int64_t LocalObjectStore::RemoveAbandonedTempFiles() {
  int64_t removed = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with(kTempPrefix)) continue;
    // Temp names are ".tmp.<pid>-<...>"; a live pid may be writing (or be another store).
    pid_t pid = static_cast<pid_t>(std::strtol(name.c_str() + kTempPrefix.size(), nullptr, 10));
    if (pid <= 0 || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      std::error_code remove_ec;
      if (std::filesystem::remove(it->path(), remove_ec)) ++removed;
    }
  }
  return removed;
}

Status LocalObjectStore::Put(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(root_, key));
  RETURN_IF_ERROR(tmp.Append(data, key));
  RETURN_IF_ERROR(tmp.SyncAndClose(key));
  return tmp.RenameOverTarget(key);
}

Status LocalObjectStore::PutIfAbsent(std::string_view key, std::string_view data) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(root_, key));
  RETURN_IF_ERROR(tmp.Append(data, key));
  RETURN_IF_ERROR(tmp.SyncAndClose(key));
  return tmp.LinkToTarget(key);
}

Result<std::string> LocalObjectStore::Get(std::string_view key) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  std::string path = JoinPath(root_, key);
  struct stat st;
  ASSIGN_OR_RETURN(int fd, OpenForRead(path, key, &st));
  std::string data(static_cast<size_t>(st.st_size), '\0');
  Status status = PreadAll(fd, 0, &data, key, path);
  ::close(fd);
  RETURN_IF_ERROR(status);
  return data;
}

Result<std::string> LocalObjectStore::GetRange(std::string_view key, int64_t offset,
                                               int64_t length) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  if (offset < 0 || length < 0)
    return InvalidArgument("negative range for object '" + std::string(key) + "'");
  std::string path = JoinPath(root_, key);
  struct stat st;
  ASSIGN_OR_RETURN(int fd, OpenForRead(path, key, &st));
  if (offset > st.st_size) {
    ::close(fd);
    return OutOfRange("range starts at " + std::to_string(offset) + ", past the end (" +
                      std::to_string(st.st_size) + ") of object '" + std::string(key) + "'");
  }
  std::string data(static_cast<size_t>(std::min<int64_t>(length, st.st_size - offset)), '\0');
  Status status = PreadAll(fd, offset, &data, key, path);
  ::close(fd);
  RETURN_IF_ERROR(status);
  return data;
}

Result<ObjectInfo> LocalObjectStore::Head(std::string_view key) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  std::string path = JoinPath(root_, key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return NotFound("no such object: " + std::string(key));
    return ErrnoStatus(errno, "stat", key, path);
  }
  if (!S_ISREG(st.st_mode)) return NotFound("no such object: " + std::string(key));
  return ObjectInfo{std::string(key), static_cast<int64_t>(st.st_size), MtimeMs(st)};
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  RETURN_IF_ERROR(
      Walk(root_, "", prefix, [&](const std::string& rel, std::string_view name, const auto& st) {
        if (name.starts_with(kTempPrefix)) return;
        std::string key = rel + std::string(name);
        if (key.starts_with(prefix))
          out.push_back({std::move(key), static_cast<int64_t>(st.st_size), MtimeMs(st)});
      }));
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Status LocalObjectStore::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  ASSIGN_OR_RETURN(bool removed, UnlinkObject(root_, key));
  if (!removed) return Status::Ok();
  Status status = SyncDir(ParentPath(JoinPath(root_, key)), key);
  // The directory itself may already be gone (pruned by a concurrent Delete).
  if (!status.ok() && status.code() != StatusCode::kNotFound) return status;
  PruneEmptyParents(root_, key);
  return Status::Ok();
}

Status LocalObjectStore::DeleteMany(std::span<const std::string> keys) {
  for (const auto& key : keys) RETURN_IF_ERROR(CheckLocalKey(key));
  // Unlink everything first, then sync each touched directory once (keyed to the first key
  // removed from it, for error messages).
  std::map<std::string, std::string_view> dirs;
  Status status;
  for (const auto& key : keys) {
    Result<bool> removed = UnlinkObject(root_, key);
    if (!removed.ok()) {
      status = removed.status();
      break;
    }
    if (*removed) dirs.emplace(ParentPath(JoinPath(root_, key)), key);
  }
  for (const auto& [dir, key] : dirs) {
    Status synced = SyncDir(dir, key);
    if (!synced.ok() && synced.code() != StatusCode::kNotFound && status.ok()) status = synced;
  }
  for (const auto& key : keys) PruneEmptyParents(root_, key);
  return status;
}

Result<std::unique_ptr<MultipartWriter>> LocalObjectStore::NewWriter(std::string_view key) {
  RETURN_IF_ERROR(CheckLocalKey(key));
  ASSIGN_OR_RETURN(TempFile tmp, TempFile::Create(root_, key));
  return std::unique_ptr<MultipartWriter>(
      std::make_unique<LocalWriter>(std::string(key), std::move(tmp)));
}

Result<std::vector<PendingUpload>> LocalObjectStore::ListPendingUploads(std::string_view prefix) {
  std::vector<PendingUpload> out;
  RETURN_IF_ERROR(
      Walk(root_, "", prefix, [&](const std::string& rel, std::string_view name, const auto& st) {
        std::string_view target = TempTarget(name);
        if (target.empty()) return;
        std::string key = rel + std::string(target);
        if (key.starts_with(prefix)) out.push_back({key, rel + std::string(name), MtimeMs(st)});
      }));
  std::sort(out.begin(), out.end(),
            [](const PendingUpload& a, const PendingUpload& b) { return a.key < b.key; });
  return out;
}

Status LocalObjectStore::AbortPendingUpload(const PendingUpload& upload) {
  RETURN_IF_ERROR(CheckLocalKey(upload.key));
  // The id must name a temp file for this key, beside it: never any other file.
  std::string_view id = upload.upload_id;
  size_t slash = upload.key.rfind('/') + 1;  // 0 when the key has no '/'
  if (!id.starts_with(std::string_view(upload.key).substr(0, slash)) ||
      id.find('/', slash) != std::string_view::npos ||
      TempTarget(id.substr(slash)) != std::string_view(upload.key).substr(slash))
    return InvalidArgument("'" + upload.upload_id + "' is no upload of object '" + upload.key +
                           "' in " + Describe());
  std::string path = JoinPath(root_, id);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return ErrnoStatus(errno, "abort the upload of", upload.key, path);
  return Status::Ok();
}

}  // namespace strata
