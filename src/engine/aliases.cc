// Engine: collection aliases. An alias is kept in its collection's catalog entry
// (CollectionMeta::aliases), so it survives restarts; aliases_ mirrors the catalog for name
// lookups. Every change is one catalog commit, so AlterAlias moves an alias atomically.
#include <fmt/format.h>

#include "engine/collection.h"
#include "engine/engine.h"
#include "schema/schema.h"

namespace strata {
namespace {

Status NoSuchCollection(const std::string& name) {
  return Status(StatusCode::kNotFound, fmt::format("collection not found[collection={}]", name),
                ErrorTag::kCollectionNotFound);
}

Status AliasNotFound(const std::string& alias) {
  return Status(StatusCode::kNotFound, fmt::format("alias not found[alias={}]", alias),
                ErrorTag::kAliasNotFound);
}

}  // namespace

Status Engine::CommitAliasesLocked(std::map<std::string, std::string> next) {
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
    for (CollectionMeta& c : m.collections) {
      c.aliases.clear();
      for (const auto& [alias, target] : next)  // sorted, as the map is
        if (target == c.schema.name) c.aliases.push_back(alias);
    }
    return Status::Ok();
  }));
  aliases_ = std::move(next);
  return Status::Ok();
}

Status Engine::CreateAlias(const std::string& collection, const std::string& alias) {
  if (!IsValidName(alias))
    return InvalidArgument(fmt::format(
        "invalid alias '{}': use letters, digits and underscores, starting with a letter or "
        "underscore",
        alias));
  std::lock_guard lock(mu_);
  if (!collections_.count(collection)) return NoSuchCollection(collection);
  if (collections_.count(alias))
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("alias '{}' is the name of a collection", alias),
                  ErrorTag::kAliasNameConflict);
  if (auto existing = aliases_.find(alias); existing != aliases_.end()) {
    if (existing->second == collection) return Status::Ok();
    return Status(
        StatusCode::kAlreadyExists,
        fmt::format("alias '{}' already stands for collection '{}'", alias, existing->second),
        ErrorTag::kAliasExists);
  }
  std::map<std::string, std::string> next = aliases_;
  next[alias] = collection;
  return CommitAliasesLocked(std::move(next));
}

Status Engine::DropAlias(const std::string& alias) {
  std::lock_guard lock(mu_);
  if (!aliases_.count(alias)) return Status::Ok();
  std::map<std::string, std::string> next = aliases_;
  next.erase(alias);
  return CommitAliasesLocked(std::move(next));
}

Status Engine::AlterAlias(const std::string& collection, const std::string& alias) {
  std::lock_guard lock(mu_);
  if (!collections_.count(collection)) return NoSuchCollection(collection);
  auto existing = aliases_.find(alias);
  if (existing == aliases_.end()) return AliasNotFound(alias);
  if (existing->second == collection) return Status::Ok();
  std::map<std::string, std::string> next = aliases_;
  next[alias] = collection;
  return CommitAliasesLocked(std::move(next));
}

Result<std::string> Engine::DescribeAlias(const std::string& alias) {
  std::lock_guard lock(mu_);
  auto existing = aliases_.find(alias);
  if (existing == aliases_.end()) return AliasNotFound(alias);
  return existing->second;
}

Result<std::vector<std::string>> Engine::ListAliases(const std::string& collection) {
  std::lock_guard lock(mu_);
  if (!collection.empty() && !collections_.count(collection)) return NoSuchCollection(collection);
  std::vector<std::string> out;
  for (const auto& [alias, target] : aliases_)
    if (collection.empty() || target == collection) out.push_back(alias);
  return out;
}

}  // namespace strata
