#include "wal/wal_reader.h"

#include <fmt/format.h>

#include <charconv>

namespace strata {
namespace {

constexpr size_t kLsnDigits = 20;

bool ParseLsn(std::string_view name, uint64_t* lsn) {
  if (name.size() != kLsnDigits) return false;
  // from_chars takes no sign for unsigned types and stops at the first non-digit, so
  // requiring it to consume all 20 characters means "digits only"; it reports overflow.
  auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), *lsn);
  return ec == std::errc() && end == name.data() + name.size() && *lsn != 0;
}

}  // namespace

std::string WalKey(std::string_view prefix, uint64_t lsn) {
  return fmt::format("{}{:020}", prefix, lsn);
}

Result<std::vector<uint64_t>> ListWal(ObjectStore* store, std::string_view prefix) {
  ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, store->List(prefix));
  std::vector<uint64_t> lsns;
  lsns.reserve(objects.size());
  for (const auto& o : objects) {
    uint64_t lsn = 0;
    std::string_view key = o.key;
    if (!key.starts_with(prefix) || !ParseLsn(key.substr(prefix.size()), &lsn))
      return DataLoss(fmt::format("unexpected object '{}' under WAL prefix '{}'", o.key, prefix));
    lsns.push_back(lsn);
  }
  // Zero-padded names sort like numbers, and List returns keys sorted; nothing to do.
  return lsns;
}

Result<std::vector<WalRecord>> ReadWalObject(ObjectStore* store, std::string_view prefix,
                                             uint64_t lsn) {
  std::string key = WalKey(prefix, lsn);
  ASSIGN_OR_RETURN(std::string bytes, store->Get(key));
  ASSIGN_OR_RETURN(auto decoded, DecodeWalObject(bytes, key));
  if (decoded.first != lsn)
    return DataLoss(fmt::format("object '{}' is corrupt: it holds lsn {}", key, decoded.first));
  return std::move(decoded.second);
}

}  // namespace strata
