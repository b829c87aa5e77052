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

// What the manifest keeps alive.
struct LiveSet {
  std::unordered_set<std::string_view> named;  // views into the manifest
  std::map<int64_t, uint64_t> wal_covered;     // collection id -> covered lsn
};

LiveSet LiveSetOf(const Manifest& manifest) {
  LiveSet live;
  for (const CollectionMeta& c : manifest.collections) {
    live.wal_covered[c.collection_id] = c.wal_covered_lsn;
    for (const SegmentMeta& seg : c.segments) {
      for (const SegmentFile& f : seg.column_files) live.named.insert(f.key);
      for (const SegmentIndexFile& f : seg.index_files) live.named.insert(f.key);
      live.named.insert(seg.stats_key);
    }
    for (const DeltaLogMeta& d : c.delta_logs) live.named.insert(d.key);
  }
  return live;
}

enum class Verdict { kGarbage, kUnrecognized, kWalToReplay, kTooYoung };

// The verdict on a key the manifest does not name, last written at `written_ms`.
Verdict Judge(const LiveSet& live, std::string_view root, std::string_view key, int64_t written_ms,
              int64_t now_ms, int64_t min_age_ms) {
  if (!key.starts_with(root)) return Verdict::kUnrecognized;
  std::vector<std::string_view> parts = SplitKey(key.substr(root.size()));
  if (!Recognized(parts)) return Verdict::kUnrecognized;
  if (parts[0] == "wal") {
    auto covered = live.wal_covered.find(static_cast<int64_t>(*ParseId(parts[1])));
    if (covered != live.wal_covered.end() && *ParseId(parts[3]) > covered->second)
      return Verdict::kWalToReplay;  // recovery still needs it, or its write is in progress
  }
  if (written_ms <= 0 || now_ms - written_ms < min_age_ms) return Verdict::kTooYoung;
  return Verdict::kGarbage;
}

std::vector<ObjectInfo> GarbageIn(const LiveSet& live, std::string_view root,
                                  std::span<const ObjectInfo> listed, int64_t now_ms,
                                  int64_t min_age_ms, GarbageReport* report) {
  std::vector<ObjectInfo> garbage;
  for (const ObjectInfo& object : listed) {
    ++report->listed;
    if (live.named.count(object.key)) continue;
    switch (Judge(live, root, object.key, object.mtime_ms, now_ms, min_age_ms)) {
      case Verdict::kGarbage:
        garbage.push_back(object);
        break;
      case Verdict::kUnrecognized:
        ++report->unrecognized;
        break;
      case Verdict::kTooYoung:
        ++report->too_young;
        break;
      case Verdict::kWalToReplay:
        break;
    }
  }
  return garbage;
}

std::vector<PendingUpload> AbandonedIn(const LiveSet& live, std::string_view root,
                                       std::span<const PendingUpload> listed, int64_t now_ms,
                                       int64_t min_age_ms, GarbageReport* report) {
  std::vector<PendingUpload> abandoned;
  for (const PendingUpload& upload : listed) {
    ++report->uploads_listed;
    // Named or not: Strata never writes a key twice, so no live writer uploads a named key.
    if (Judge(live, root, upload.key, upload.initiated_ms, now_ms, min_age_ms) == Verdict::kGarbage)
      abandoned.push_back(upload);
  }
  return abandoned;
}

}  // namespace

std::vector<ObjectInfo> FindGarbage(const Manifest& manifest, std::string_view root,
                                    std::span<const ObjectInfo> listed, int64_t now_ms,
                                    int64_t min_age_ms, GarbageReport* report) {
  return GarbageIn(LiveSetOf(manifest), root, listed, now_ms, min_age_ms, report);
}

std::vector<PendingUpload> FindAbandonedUploads(const Manifest& manifest, std::string_view root,
                                                std::span<const PendingUpload> listed,
                                                int64_t now_ms, int64_t min_age_ms,
                                                GarbageReport* report) {
  return AbandonedIn(LiveSetOf(manifest), root, listed, now_ms, min_age_ms, report);
}

Result<GarbageReport> CollectGarbage(ObjectStore* store, std::string_view root, Catalog* catalog,
                                     const PendingWrites& flushes, int64_t min_age_ms) {
  // The order matters (garbage.h): list, then check for flushes, then settle the catalog.
  std::vector<ObjectInfo> listed;
  std::vector<PendingUpload> uploads;
  for (std::string_view prefix : kDataPrefixes) {
    ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects,
                     store->List(fmt::format("{}{}", root, prefix)));
    for (ObjectInfo& o : objects) listed.push_back(std::move(o));
    ASSIGN_OR_RETURN(std::vector<PendingUpload> pending,
                     store->ListPendingUploads(fmt::format("{}{}", root, prefix)));
    for (PendingUpload& u : pending) uploads.push_back(std::move(u));
  }
  GarbageReport report;
  if (flushes.Any()) {
    report.skipped = true;
    return report;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Manifest> manifest, catalog->Settled());
  const auto now_ms = static_cast<int64_t>(WallClockMs());
  const LiveSet live = LiveSetOf(*manifest);  // views into *manifest, held to the end
  std::vector<ObjectInfo> garbage = GarbageIn(live, root, listed, now_ms, min_age_ms, &report);
  std::vector<std::string> keys;
  for (const ObjectInfo& o : garbage) {
    keys.push_back(o.key);
    report.deleted_bytes += o.size;
  }
  RETURN_IF_ERROR(store->DeleteMany(keys));
  report.deleted = std::ssize(keys);
  for (const PendingUpload& upload :
       AbandonedIn(live, root, uploads, now_ms, min_age_ms, &report)) {
    RETURN_IF_ERROR(store->AbortPendingUpload(upload));
    ++report.uploads_aborted;
  }
  return report;
}

}  // namespace strata
