// Engine: collection aliases. An alias is kept in its collection's catalog entry
// (CollectionMeta::aliases), so it survives restarts; aliases_ mirrors the catalog for name
// lookups. Every change is one catalog commit, so AlterAlias moves an alias atomically. An
// alias lives in its collection's database.
#include <fmt/format.h>

#include "engine/collection.h"
#include "engine/engine.h"
#include "schema/schema.h"

namespace strata {
namespace {

Status NoSuchCollection(const CollectionName& name) {
  return Status(
      StatusCode::kNotFound,
      fmt::format("collection not found[database={}][collection={}]", name.database, name.name),
      ErrorTag::kCollectionNotFound);
}

Status AliasNotFound(const std::string& alias) {
  return Status(StatusCode::kNotFound, fmt::format("alias not found[alias={}]", alias),
                ErrorTag::kAliasNotFound);
}

}  // namespace

Status Engine::CommitAliasesLocked(std::map<NameKey, std::string> next) {
  RETURN_IF_ERROR(catalog_->Commit([&](Manifest& m) {
    for (CollectionMeta& c : m.collections) {
      c.aliases.clear();
      for (const auto& [alias, target] : next)  // sorted, as the map is
        if (alias.first == c.database && target == c.schema.name) c.aliases.push_back(alias.second);
    }
    return Status::Ok();
  }));
  aliases_ = std::move(next);
  return Status::Ok();
}

Status Engine::CreateAlias(const CollectionName& collection, const std::string& alias) {
  if (!IsValidName(alias))
    return InvalidArgument(fmt::format(
        "invalid alias '{}': use letters, digits and underscores, starting with a letter or "
        "underscore",
        alias));
  RETURN_IF_ERROR(CheckDatabase(collection.database));
  const NameKey key{collection.database, alias};
  std::lock_guard lock(mu_);
  if (!collections_.count(KeyOf(collection))) return NoSuchCollection(collection);
  if (collections_.count(key))
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("alias '{}' is the name of a collection", alias),
                  ErrorTag::kAliasNameConflict);
  if (auto existing = aliases_.find(key); existing != aliases_.end()) {
    if (existing->second == collection.name) return Status::Ok();
    return Status(
        StatusCode::kAlreadyExists,
        fmt::format("alias '{}' already stands for collection '{}'", alias, existing->second),
        ErrorTag::kAliasExists);
  }
  std::map<NameKey, std::string> next = aliases_;
  next[key] = collection.name;
  return CommitAliasesLocked(std::move(next));
}

Status Engine::DropAlias(const CollectionName& alias) {
  RETURN_IF_ERROR(CheckDatabase(alias.database));
  std::lock_guard lock(mu_);
  if (!aliases_.count(KeyOf(alias))) return Status::Ok();
  std::map<NameKey, std::string> next = aliases_;
  next.erase(KeyOf(alias));
  return CommitAliasesLocked(std::move(next));
}

Status Engine::AlterAlias(const CollectionName& collection, const std::string& alias) {
  RETURN_IF_ERROR(CheckDatabase(collection.database));
  const NameKey key{collection.database, alias};
  std::lock_guard lock(mu_);
  if (!collections_.count(KeyOf(collection))) return NoSuchCollection(collection);
  auto existing = aliases_.find(key);
  if (existing == aliases_.end()) return AliasNotFound(alias);
  if (existing->second == collection.name) return Status::Ok();
  std::map<NameKey, std::string> next = aliases_;
  next[key] = collection.name;
  return CommitAliasesLocked(std::move(next));
}

Result<std::string> Engine::DescribeAlias(const CollectionName& alias) {
  RETURN_IF_ERROR(CheckDatabase(alias.database));
  std::lock_guard lock(mu_);
  auto existing = aliases_.find(KeyOf(alias));
  if (existing == aliases_.end()) return AliasNotFound(alias.name);
  return existing->second;
}

Result<std::vector<std::string>> Engine::ListAliases(const CollectionName& collection) {
  RETURN_IF_ERROR(CheckDatabase(collection.database));
  std::lock_guard lock(mu_);
  if (!collection.name.empty() && !collections_.count(KeyOf(collection)))
    return NoSuchCollection(collection);
  std::vector<std::string> out;
  for (const auto& [alias, target] : aliases_)
    if (alias.first == collection.database &&
        (collection.name.empty() || target == collection.name))
      out.push_back(alias.second);
  return out;
}

}  // namespace strata
