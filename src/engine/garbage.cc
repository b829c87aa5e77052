#include "engine/garbage.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>

#include "common/hybrid_clock.h"

namespace strata {
namespace {

constexpr std::array<std::string_view, 5> kDataPrefixes = {"insert_log/", "stats_log/",
                                                           "delta_log/", "index_files/", "wal/"};

std::vector<std::string_view> SplitKey(std::string_view key) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t slash = key.find('/', start);
    parts.push_back(key.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

// Ids are hybrid timestamps, lsns 20-digit counters: any decimal that fits a uint64.
std::optional<uint64_t> ParseId(std::string_view text) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, v);
  if (error != std::errc() || stop != end) return std::nullopt;
  return v;
}

bool AllIds(std::span<const std::string_view> parts) {
  for (std::string_view p : parts)
    if (!ParseId(p)) return false;
  return true;
}

// The shapes Strata writes (keys after the root), doc/formats.md:
//   insert_log/<c>/<p>/<s>/<field>/<log>   stats_log/<c>/<p>/<s>/<field>/<log>
//   delta_log/<c>/<scope>/0/<log>          index_files/<build>/1/<p>/<s>/<index name>
//   wal/<c>/0/<lsn>
bool Recognized(std::span<const std::string_view> parts) {
  std::string_view kind = parts[0];
  auto rest = parts.subspan(1);
  if (kind == "insert_log" || kind == "stats_log") return parts.size() == 6 && AllIds(rest);
  if (kind == "delta_log") return parts.size() == 5 && AllIds(rest) && parts[3] == "0";
  if (kind == "index_files")
    return parts.size() == 6 && AllIds(rest.first(4)) && parts[2] == "1" && !parts[5].empty();
  if (kind == "wal") return parts.size() == 4 && AllIds(rest) && parts[2] == "0";
  return false;
}

}  // namespace

std::vector<ObjectInfo> FindGarbage(const Manifest& manifest, std::string_view root,
                                    std::span<const ObjectInfo> listed, int64_t now_ms,
                                    int64_t min_age_ms, GarbageReport* report) {
  std::unordered_set<std::string_view> named;
  std::map<int64_t, uint64_t> wal_covered;  // collection id -> covered lsn
  for (const CollectionMeta& c : manifest.collections) {
    wal_covered[c.collection_id] = c.wal_covered_lsn;
    for (const SegmentMeta& seg : c.segments) {
      for (const SegmentFile& f : seg.column_files) named.insert(f.key);
      for (const SegmentIndexFile& f : seg.index_files) named.insert(f.key);
      named.insert(seg.stats_key);
    }
    for (const DeltaLogMeta& d : c.delta_logs) named.insert(d.key);
  }

  std::vector<ObjectInfo> garbage;
  for (const ObjectInfo& object : listed) {
    ++report->listed;
    if (named.count(object.key)) continue;
    std::string_view key(object.key);
    if (!key.starts_with(root)) {
      ++report->unrecognized;
      continue;
    }
    std::vector<std::string_view> parts = SplitKey(key.substr(root.size()));
    if (!Recognized(parts)) {
      ++report->unrecognized;
      continue;
    }
    if (parts[0] == "wal") {
      auto covered = wal_covered.find(static_cast<int64_t>(*ParseId(parts[1])));
      bool replayed = covered != wal_covered.end() && *ParseId(parts[3]) > covered->second;
      if (replayed) continue;  // recovery still needs it
    }
    if (object.mtime_ms <= 0 || now_ms - object.mtime_ms < min_age_ms) {
      ++report->too_young;
      continue;
    }
    garbage.push_back(object);
  }
  return garbage;
}

Result<GarbageReport> CollectGarbage(ObjectStore* store, std::string_view root, Catalog* catalog,
                                     const PendingWrites& flushes, int64_t min_age_ms) {
  // The order matters (garbage.h): list, then check for flushes, then settle the catalog.
  std::vector<ObjectInfo> listed;
  for (std::string_view prefix : kDataPrefixes) {
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects,
                     store->List(fmt::format("{}{}", root, prefix)));
    for (ObjectInfo& o : objects) listed.push_back(std::move(o));
  }
  GarbageReport report;
  if (flushes.Any()) {
    report.skipped = true;
    return report;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Manifest> manifest, catalog->Settled());
  std::vector<ObjectInfo> garbage = FindGarbage(
      *manifest, root, listed, static_cast<int64_t>(WallClockMs()), min_age_ms, &report);
  std::vector<std::string> keys;
  for (const ObjectInfo& o : garbage) {
    keys.push_back(o.key);
    report.deleted_bytes += o.size;
  }
  RETURN_IF_ERROR(store->DeleteMany(keys));
  report.deleted = std::ssize(keys);
  return report;
}

}  // namespace strata
