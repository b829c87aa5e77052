#include "catalog/catalog.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace strata {
namespace {

constexpr size_t kVersionDigits = 20;

// Parses the 20-digit suffix of a manifest key; nullopt for anything else under the prefix.
std::optional<uint64_t> ParseVersion(std::string_view suffix) {
  if (suffix.size() != kVersionDigits) return std::nullopt;
  uint64_t v = 0;
  for (char ch : suffix) {
    if (ch < '0' || ch > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

}  // namespace

std::string ManifestPrefix(std::string_view root) { return fmt::format("{}catalog/", root); }

std::string ManifestKey(std::string_view root, uint64_t version) {
  return fmt::format("{}catalog/{:020d}", root, version);
}

Result<std::unique_ptr<Catalog>> Catalog::Open(ObjectStore* store, std::string root) {
  if (!root.empty() && root.back() != '/')
    return InvalidArgument(fmt::format("catalog root '{}' must be empty or end with '/'", root));
  RETURN_IF_ERROR(ValidateKey(ManifestKey(root, 0)));

  const std::string prefix = ManifestPrefix(root);
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store->List(prefix));
  std::deque<uint64_t> versions;
  for (const ObjectInfo& info : objects) {
    auto v = ParseVersion(std::string_view(info.key).substr(prefix.size()));
    if (!v) {
      spdlog::warn("catalog: ignoring '{}': not a manifest key", info.key);
      continue;
    }
    versions.push_back(*v);
  }
  // Zero padding makes byte order numeric order, but don't rely on every store's sort.
  std::sort(versions.begin(), versions.end());

  Manifest current;
  if (!versions.empty()) {
    const std::string key = ManifestKey(root, versions.back());
    ASSIGN_OR_RETURN(std::string bytes, store->Get(key));
    ASSIGN_OR_RETURN(current, DecodeManifest(bytes, key));
    if (current.version != versions.back())
      return DataLoss(fmt::format("object '{}' is corrupt: it holds manifest version {}", key,
                                  current.version));
    spdlog::info("catalog: opened version {} ({} collections) from {}", current.version,
                 current.collections.size(), store->Describe());
  } else {
    spdlog::info("catalog: no manifest under '{}' in {}; starting empty", prefix,
                 store->Describe());
  }
  return std::unique_ptr<Catalog>(
      new Catalog(store, std::move(root), std::move(current), std::move(versions)));
}

Catalog::Catalog(ObjectStore* store, std::string root, Manifest current,
                 std::deque<uint64_t> versions)
    : store_(store),
      root_(std::move(root)),
      versions_(std::move(versions)),
      current_(std::make_shared<const Manifest>(std::move(current))) {}

Manifest Catalog::Snapshot() const {
  return *Current();  // the copy is made outside the lock
}

std::shared_ptr<const Manifest> Catalog::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

uint64_t Catalog::version() const {
  std::lock_guard lock(mu_);
  return current_->version;
}

Status Catalog::FencedError(std::string_view key) const {
  return FailedPrecondition(fmt::format(
      "another Strata server is writing to {}: manifest '{}' was committed by another writer, "
      "so this server's catalog is stale and it stops committing; run one server per root",
      store_->Describe(), key));
}

Status Catalog::Fence(std::string_view key) {
  fenced_ = true;
  Status st = FencedError(key);
  spdlog::error("catalog: {}", st.message());
  return st;
}

Result<Catalog::WriteOutcome> Catalog::CheckWrite(const PendingWrite& write) const {
  Result<std::string> found = store_->Get(write.key);
  if (found.ok())
    return *found == write.bytes ? WriteOutcome::kLanded : WriteOutcome::kTakenByOther;
  if (found.status().code() == StatusCode::kNotFound) return WriteOutcome::kAbsent;
  return found.status();
}

Result<std::shared_ptr<const Manifest>> Catalog::Settled() {
  std::lock_guard commit_lock(commit_mu_);
  if (fenced_) return FencedError(ManifestKey(root_, version() + 1));
  RETURN_IF_ERROR(ResolvePending());
  const std::string prefix = ManifestPrefix(root_);
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store_->List(prefix));
  const uint64_t ours = version();
  for (const ObjectInfo& info : objects) {
    auto v = ParseVersion(std::string_view(info.key).substr(prefix.size()));
    if (v && *v > ours) return Fence(info.key);
  }
  return Current();
}

Status Catalog::ResolvePending() {
  if (!pending_) return Status::Ok();
  ASSIGN_OR_RETURN(WriteOutcome outcome, CheckWrite(*pending_));
  switch (outcome) {
    case WriteOutcome::kLanded:
      spdlog::info("catalog: the write of '{}' that reported an error did land; adopting it",
                   pending_->key);
      Install(std::move(pending_->manifest));
      break;
    case WriteOutcome::kTakenByOther:
      return Fence(pending_->key);
    case WriteOutcome::kAbsent:
      break;
  }
  pending_.reset();
  return Status::Ok();
}

Status Catalog::Commit(const std::function<Status(Manifest&)>& mutate) {
  std::lock_guard lock(commit_mu_);
  if (fenced_) return FencedError(ManifestKey(root_, version() + 1));
  RETURN_IF_ERROR(ResolvePending());

  Manifest next = Snapshot();
  const uint64_t base_version = next.version;
  RETURN_IF_ERROR(mutate(next));
  next.version = base_version + 1;
  PendingWrite write{ManifestKey(root_, next.version), EncodeManifest(next), std::move(next)};

  Status put = store_->PutIfAbsent(write.key, write.bytes);
  if (put.ok()) {
    Install(std::move(write.manifest));
    return Status::Ok();
  }
  // A failed or conflicting PUT is not proof that our bytes are absent: a timeout may hide a
  // write the store applied, and a retrying store decorator turns that into AlreadyExists.
  // Reading the key back tells our own manifest from another writer's.
  Result<WriteOutcome> outcome = CheckWrite(write);
  if (!outcome.ok()) {
    pending_ = std::move(write);
    return put.code() == StatusCode::kAlreadyExists ? outcome.status() : put;
  }
  switch (*outcome) {
    case WriteOutcome::kLanded:
      Install(std::move(write.manifest));
      return Status::Ok();
    case WriteOutcome::kTakenByOther:
      return Fence(write.key);
    case WriteOutcome::kAbsent:
      break;
  }
  // Absent after AlreadyExists: the other writer has already pruned it; still fenced.
  return put.code() == StatusCode::kAlreadyExists ? Fence(write.key) : put;
}

void Catalog::Install(Manifest manifest) {
  const uint64_t version = manifest.version;
  {
    auto next = std::make_shared<const Manifest>(std::move(manifest));
    std::lock_guard lock(mu_);
    current_ = std::move(next);
  }
  versions_.push_back(version);
  if (versions_.size() <= kKeepVersions) return;

  std::vector<std::string> old_keys;
  for (size_t i = 0; i + kKeepVersions < versions_.size(); ++i)
    old_keys.push_back(ManifestKey(root_, versions_[i]));
  Status st = store_->DeleteMany(old_keys);
  if (!st.ok()) {
    // Harmless: recovery only reads the highest version. They are retried after the next
    // commit, since deleting a missing key is not an error.
    spdlog::warn("catalog: could not delete {} old manifest(s) from {}: {}", old_keys.size(),
                 store_->Describe(), st.ToString());
    return;
  }
  versions_.erase(versions_.begin(), versions_.begin() + old_keys.size());
}

}  // namespace strata
