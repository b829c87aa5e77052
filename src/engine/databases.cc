// Engine: databases, Milvus's namespaces of collections and aliases. They live in the catalog
// (Manifest::databases; a collection names its own in CollectionMeta::database), so they survive
// restarts like everything else. `default` always exists: it is stored only once its
// properties are altered.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "engine/engine.h"

namespace strata {
namespace {

// Milvus's rootCoord.maxDatabaseNum, `default` included.
constexpr size_t kMaxDatabases = 64;
// Milvus's proxy.maxNameLength.
constexpr size_t kMaxDatabaseNameLength = 255;

Status DatabaseNotFound(const std::string& name) {
  return Status(StatusCode::kNotFound, fmt::format("database not found[database={}]", name),
                ErrorTag::kDatabaseNotFound);
}

Status DatabaseState(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message), ErrorTag::kDatabaseState);
}

// Milvus's rules and words: a letter or underscore, then letters, digits and underscores.
Status ValidateDatabaseName(const std::string& name) {
  auto invalid = [&](std::string_view why) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{}: invalid database name[database={}]", why, name),
                  ErrorTag::kDatabaseInvalidName);
  };
  if (name.empty()) return invalid("database name couldn't be empty");
  if (name.size() > kMaxDatabaseNameLength)
    return invalid(fmt::format("the length of a database name must be less than {} characters",
                               kMaxDatabaseNameLength));
  auto letter = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  if (name[0] != '_' && !letter(name[0]))
    return invalid("the first character of a database name must be an underscore or letter");
  for (char c : name)
    if (c != '_' && !letter(c) && !digit(c))
      return invalid("database name can only contain numbers, letters and underscores");
  return Status::Ok();
}

int64_t WallClockNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<DatabaseMeta> Engine::FindDatabase(const Manifest& manifest,
                                                 const std::string& name) {
  for (const DatabaseMeta& d : manifest.databases)
    if (d.name == name) return d;
  if (name == kDefaultDatabase)
    return DatabaseMeta{kDefaultDatabaseId, std::string(kDefaultDatabase), 0, {}};
  return std::nullopt;
}

Status Engine::CheckDatabase(const std::string& name) {
  if (FindDatabase(*catalog_->Current(), name)) return Status::Ok();
  return DatabaseNotFound(name);
}

Status Engine::CreateDatabase(const std::string& name, KeyValues properties) {
  RETURN_IF_ERROR(ValidateDatabaseName(name));
  std::lock_guard lock(mu_);  // DDL: name checks and the commit agree
  std::vector<DatabaseMeta> all = ListDatabases();
  if (all.size() >= kMaxDatabases)
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("exceeded the limit number of database[limit={}]", kMaxDatabases),
                  ErrorTag::kDatabaseLimit);
  if (std::any_of(all.begin(), all.end(), [&](const DatabaseMeta& d) { return d.name == name; }))
    return DatabaseState(fmt::format("database already exist: {}", name));
  DatabaseMeta meta{static_cast<int64_t>(clock_.Now()), name, WallClockNanos(),
                    std::move(properties)};
  return catalog_->Commit([&](Manifest& m) {
    m.databases.push_back(meta);
    return Status::Ok();
  });
}

Status Engine::DropDatabase(const std::string& name) {
  RETURN_IF_ERROR(ValidateDatabaseName(name));
  if (name == kDefaultDatabase) return DatabaseState("can not drop default database");
  std::lock_guard lock(mu_);
  if (!FindDatabase(*catalog_->Current(), name)) return Status::Ok();  // as Milvus: no error
  for (const auto& [key, collection] : collections_)
    if (key.first == name)
      return DatabaseState(fmt::format(
          "database:{} not empty, must drop all collections before drop database", name));
  return catalog_->Commit([&](Manifest& m) {
    std::erase_if(m.databases, [&](const DatabaseMeta& d) { return d.name == name; });
    return Status::Ok();
  });
}

std::vector<DatabaseMeta> Engine::ListDatabases() {
  std::shared_ptr<const Manifest> m = catalog_->Current();
  std::vector<DatabaseMeta> out = {*FindDatabase(*m, std::string(kDefaultDatabase))};
  for (const DatabaseMeta& d : m->databases)
    if (d.name != kDefaultDatabase) out.push_back(d);
  return out;
}

Result<DatabaseMeta> Engine::DescribeDatabase(const std::string& name) {
  std::optional<DatabaseMeta> found = FindDatabase(*catalog_->Current(), name);
  if (!found) return DatabaseNotFound(name);
  return *found;
}

Status Engine::AlterDatabase(const std::string& name, const KeyValues& properties,
                             const std::vector<std::string>& delete_keys) {
  if (properties.empty() && delete_keys.empty())
    return InvalidArgument(
        "alter database with empty properties and delete keys, expected to set either "
        "properties or delete keys");
  std::lock_guard lock(mu_);
  std::optional<DatabaseMeta> found = FindDatabase(*catalog_->Current(), name);
  if (!found) return DatabaseNotFound(name);
  DatabaseMeta next = *found;
  UpdateKeyValues(&next.properties, properties, delete_keys);
  return catalog_->Commit([&](Manifest& m) {
    auto stored = std::find_if(m.databases.begin(), m.databases.end(),
                               [&](const DatabaseMeta& d) { return d.name == name; });
    if (stored != m.databases.end())
      *stored = next;
    else
      m.databases.push_back(next);  // `default`, stored from its first change on
    return Status::Ok();
  });
}

}  // namespace strata
