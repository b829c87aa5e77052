#include "catalog/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "format/envelope.h"

namespace strata {
namespace {

using nlohmann::json;

template <typename T, typename Pred>
T* FindIn(std::vector<T>& items, Pred pred) {
  auto it = std::find_if(items.begin(), items.end(), pred);
  return it == items.end() ? nullptr : &*it;
}

template <typename T, typename Pred>
const T* FindIn(const std::vector<T>& items, Pred pred) {
  auto it = std::find_if(items.begin(), items.end(), pred);
  return it == items.end() ? nullptr : &*it;
}

// Thrown by the readers below and caught in DecodeManifest; never leaves this file.
// nlohmann's own getters are too lenient for durable data (they turn `true` or 1.5 into an
// integer), so every scalar is type-checked here first.
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

const json& At(const json& j, const char* key) {
  if (!j.is_object()) throw FormatError(fmt::format("expected an object holding '{}'", key));
  auto it = j.find(key);
  if (it == j.end()) throw FormatError(fmt::format("missing key '{}'", key));
  return *it;
}

int64_t ReadInt64(const json& j, const char* key) {
  const json& v = At(j, key);
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw FormatError(fmt::format("'{}' is out of range", key));
  } else if (!v.is_number_integer()) {
    throw FormatError(fmt::format("'{}' is not an integer", key));
  }
  return v.get<int64_t>();
}

int32_t ReadInt32(const json& j, const char* key) {
  int64_t v = ReadInt64(j, key);
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
    throw FormatError(fmt::format("'{}' is out of range", key));
  return static_cast<int32_t>(v);
}

uint64_t ReadUint64(const json& j, const char* key) {
  const json& v = At(j, key);
  if (!v.is_number_unsigned())
    throw FormatError(fmt::format("'{}' is not an unsigned integer", key));
  return v.get<uint64_t>();
}

bool ReadBool(const json& j, const char* key) {
  const json& v = At(j, key);
  if (!v.is_boolean()) throw FormatError(fmt::format("'{}' is not a boolean", key));
  return v.get<bool>();
}

std::string ReadString(const json& j, const char* key) {
  const json& v = At(j, key);
  if (!v.is_string()) throw FormatError(fmt::format("'{}' is not a string", key));
  return v.get<std::string>();
}

const json& ReadArray(const json& j, const char* key) {
  const json& v = At(j, key);
  if (!v.is_array()) throw FormatError(fmt::format("'{}' is not an array", key));
  return v;
}

// KeyValues are written as [["key", "value"], ...], the same as in the schema JSON.
KeyValues ReadKeyValues(const json& j, const char* key) {
  KeyValues out;
  for (const json& pair : ReadArray(j, key)) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
      throw FormatError(fmt::format("'{}' holds an entry that is not a [key, value] pair", key));
    out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return out;
}

json KeyValuesToJson(const KeyValues& kvs) {
  json out = json::array();
  for (const auto& [k, v] : kvs) out.push_back(json::array({k, v}));
  return out;
}

json CollectionToJson(const CollectionMeta& c) {
  json partitions = json::array();
  for (const auto& p : c.partitions)
    partitions.push_back(
        {{"partition_id", p.partition_id}, {"name", p.name}, {"create_ts", p.create_ts}});
  json indexes = json::array();
  for (const auto& i : c.indexes)
    indexes.push_back({{"index_id", i.index_id},
                       {"index_name", i.index_name},
                       {"field_id", i.field_id},
                       {"params", KeyValuesToJson(i.params)},
                       {"create_ts", i.create_ts}});
  json segments = json::array();
  for (const auto& s : c.segments) {
    json files = json::array();
    for (const auto& f : s.column_files)
      files.push_back({{"field_id", f.field_id}, {"key", f.key}, {"size", f.size}});
    json index_files = json::array();
    for (const auto& f : s.index_files)
      index_files.push_back({{"index_id", f.index_id}, {"key", f.key}, {"size", f.size}});
    segments.push_back({{"segment_id", s.segment_id},
                        {"partition_id", s.partition_id},
                        {"num_rows", s.num_rows},
                        {"min_ts", s.min_ts},
                        {"max_ts", s.max_ts},
                        {"column_files", std::move(files)},
                        {"stats_key", s.stats_key},
                        {"index_files", std::move(index_files)}});
  }
  json delta_logs = json::array();
  for (const auto& d : c.delta_logs)
    delta_logs.push_back({{"key", d.key},
                          {"partition_id", d.partition_id},
                          {"num_rows", d.num_rows},
                          {"min_ts", d.min_ts},
                          {"max_ts", d.max_ts}});
  return {{"collection_id", c.collection_id},
          {"schema", SchemaToJson(c.schema)},
          {"properties", KeyValuesToJson(c.properties)},
          {"consistency_level", c.consistency_level},
          {"shards_num", c.shards_num},
          {"create_ts", c.create_ts},
          {"partitions", std::move(partitions)},
          {"indexes", std::move(indexes)},
          {"segments", std::move(segments)},
          {"wal_covered_lsn", c.wal_covered_lsn},
          {"loaded", c.loaded},
          {"loaded_partitions", c.loaded_partitions},
          {"delta_logs", std::move(delta_logs)},
          {"aliases", c.aliases},
          {"database", c.database}};
}

CollectionMeta CollectionFromJson(const json& j) {
  CollectionMeta c;
  c.collection_id = ReadInt64(j, "collection_id");
  auto schema = SchemaFromJson(At(j, "schema"));
  if (!schema.ok()) throw FormatError(std::string(schema.status().message()));
  c.schema = std::move(schema).value();
  c.properties = ReadKeyValues(j, "properties");
  c.consistency_level = ReadInt32(j, "consistency_level");
  c.shards_num = ReadInt32(j, "shards_num");
  c.create_ts = ReadUint64(j, "create_ts");
  for (const json& p : ReadArray(j, "partitions"))
    c.partitions.push_back(PartitionMeta{ReadInt64(p, "partition_id"), ReadString(p, "name"),
                                         ReadUint64(p, "create_ts")});
  for (const json& i : ReadArray(j, "indexes"))
    c.indexes.push_back(IndexMeta{ReadInt64(i, "index_id"), ReadString(i, "index_name"),
                                  ReadInt64(i, "field_id"), ReadKeyValues(i, "params"),
                                  ReadUint64(i, "create_ts")});
  for (const json& s : ReadArray(j, "segments")) {
    SegmentMeta seg;
    seg.segment_id = ReadInt64(s, "segment_id");
    seg.partition_id = ReadInt64(s, "partition_id");
    seg.num_rows = ReadInt64(s, "num_rows");
    seg.min_ts = ReadUint64(s, "min_ts");
    seg.max_ts = ReadUint64(s, "max_ts");
    for (const json& f : ReadArray(s, "column_files"))
      seg.column_files.push_back(
          SegmentFile{ReadInt64(f, "field_id"), ReadString(f, "key"), ReadInt64(f, "size")});
    seg.stats_key = ReadString(s, "stats_key");
    if (s.contains("index_files"))
      for (const json& f : ReadArray(s, "index_files"))
        seg.index_files.push_back(
            SegmentIndexFile{ReadInt64(f, "index_id"), ReadString(f, "key"), ReadInt64(f, "size")});
    c.segments.push_back(std::move(seg));
  }
  c.wal_covered_lsn = ReadUint64(j, "wal_covered_lsn");
  c.loaded = ReadBool(j, "loaded");
  // Added after format version 1 shipped: absent in older manifests, meaning "none".
  if (j.contains("loaded_partitions"))
    for (const json& p : ReadArray(j, "loaded_partitions")) {
      if (!p.is_number_integer()) throw FormatError("'loaded_partitions' holds a non-integer");
      c.loaded_partitions.push_back(p.get<int64_t>());
    }
  if (j.contains("delta_logs"))
    for (const json& d : ReadArray(j, "delta_logs"))
      c.delta_logs.push_back(DeltaLogMeta{ReadString(d, "key"), ReadInt64(d, "partition_id"),
                                          ReadInt64(d, "num_rows"), ReadUint64(d, "min_ts"),
                                          ReadUint64(d, "max_ts")});
  if (j.contains("aliases"))
    for (const json& a : ReadArray(j, "aliases")) {
      if (!a.is_string()) throw FormatError("'aliases' holds a non-string");
      c.aliases.push_back(a.get<std::string>());
    }
  if (j.contains("database")) c.database = ReadString(j, "database");
  return c;
}

json DatabaseToJson(const DatabaseMeta& d) {
  return {{"db_id", d.db_id},
          {"name", d.name},
          {"created_ns", d.created_ns},
          {"properties", KeyValuesToJson(d.properties)}};
}

DatabaseMeta DatabaseFromJson(const json& j) {
  return DatabaseMeta{ReadInt64(j, "db_id"), ReadString(j, "name"), ReadInt64(j, "created_ns"),
                      ReadKeyValues(j, "properties")};
}

}  // namespace

bool CollectionMeta::PartitionLoaded(int64_t partition_id) const {
  if (!loaded) return false;
  return loaded_partitions.empty() || std::find(loaded_partitions.begin(), loaded_partitions.end(),
                                                partition_id) != loaded_partitions.end();
}

const PartitionMeta* CollectionMeta::FindPartition(std::string_view name) const {
  return FindIn(partitions, [&](const PartitionMeta& p) { return p.name == name; });
}

const PartitionMeta* CollectionMeta::FindPartition(int64_t partition_id) const {
  return FindIn(partitions, [&](const PartitionMeta& p) { return p.partition_id == partition_id; });
}

const IndexMeta* CollectionMeta::FindIndexForField(int64_t field_id) const {
  return FindIn(indexes, [&](const IndexMeta& i) { return i.field_id == field_id; });
}

const IndexMeta* CollectionMeta::FindIndex(std::string_view index_name) const {
  return FindIn(indexes, [&](const IndexMeta& i) { return i.index_name == index_name; });
}

const SegmentMeta* CollectionMeta::FindSegment(int64_t segment_id) const {
  return FindIn(segments, [&](const SegmentMeta& s) { return s.segment_id == segment_id; });
}

SegmentMeta* CollectionMeta::FindSegment(int64_t segment_id) {
  return FindIn(segments, [&](const SegmentMeta& s) { return s.segment_id == segment_id; });
}

int64_t CollectionMeta::SealedRows() const {
  int64_t rows = 0;
  for (const auto& s : segments) rows += s.num_rows;
  return rows;
}

const CollectionMeta* Manifest::FindCollection(std::string_view name) const {
  return FindIn(collections, [&](const CollectionMeta& c) {
    return c.schema.name == name && c.database == kDefaultDatabase;
  });
}

CollectionMeta* Manifest::FindCollection(std::string_view name) {
  return FindIn(collections, [&](const CollectionMeta& c) {
    return c.schema.name == name && c.database == kDefaultDatabase;
  });
}

const CollectionMeta* Manifest::FindCollection(int64_t collection_id) const {
  return FindIn(collections,
                [&](const CollectionMeta& c) { return c.collection_id == collection_id; });
}

CollectionMeta* Manifest::FindCollection(int64_t collection_id) {
  return FindIn(collections,
                [&](const CollectionMeta& c) { return c.collection_id == collection_id; });
}

std::string EncodeManifest(const Manifest& manifest) {
  json collections = json::array();
  for (const auto& c : manifest.collections) collections.push_back(CollectionToJson(c));
  json doc = {{"version", manifest.version}, {"collections", std::move(collections)}};
  if (!manifest.databases.empty()) {
    json databases = json::array();
    for (const auto& d : manifest.databases) databases.push_back(DatabaseToJson(d));
    doc["databases"] = std::move(databases);
  }
  return SealEnvelope(ObjectKind::kManifest, kManifestFormatVersion, doc.dump());
}

Result<Manifest> DecodeManifest(std::string_view bytes, std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope env,
                   OpenEnvelope(bytes, ObjectKind::kManifest, kManifestFormatVersion, object_name));
  auto loss = [&](std::string_view what) {
    return DataLoss(fmt::format("object '{}' is corrupt: {}", object_name, what));
  };
  json doc = json::parse(env.payload, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return loss("manifest payload is not valid JSON");
  try {
    Manifest m;
    m.version = ReadUint64(doc, "version");
    for (const json& c : ReadArray(doc, "collections"))
      m.collections.push_back(CollectionFromJson(c));
    // Added after format version 1 shipped: absent means only `default`.
    if (doc.contains("databases"))
      for (const json& d : ReadArray(doc, "databases")) m.databases.push_back(DatabaseFromJson(d));
    return m;
  } catch (const FormatError& e) {
    return loss(e.what());
  } catch (const json::exception& e) {
    return loss(e.what());
  }
}

}  // namespace strata
