#include "catalog/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "format/envelope.h"

namespace strata {
namespace {

using nlohmann::json;

constexpr char kName[] = "root/catalog/00000000000000000007";

// A manifest with every field set to something other than its default.
Manifest FullManifest() {
  CollectionSchema schema;
  schema.name = "docs";
  schema.description = "documents";
  schema.auto_id = true;
  schema.enable_dynamic_field = true;
  FieldSchema pk;
  pk.field_id = 100;
  pk.name = "id";
  pk.description = "primary key";
  pk.type = DataType::kInt64;
  pk.is_primary_key = true;
  pk.auto_id = true;
  FieldSchema vec;
  vec.field_id = 101;
  vec.name = "embedding";
  vec.type = DataType::kFloatVector;
  vec.dim = 8;
  vec.type_params = {{"dim", "8"}};
  vec.index_params = {{"metric_type", "L2"}};
  FieldSchema text;
  text.field_id = 102;
  text.name = "title";
  text.type = DataType::kVarChar;
  text.is_partition_key = true;
  text.max_length = 256;
  text.type_params = {{"max_length", "256"}};
  schema.fields = {pk, vec, text};

  CollectionMeta c;
  c.collection_id = 4501234567890123;
  c.schema = schema;
  c.properties = {{"collection.ttl.seconds", "3600"}, {"mmap.enabled", "false"}};
  c.consistency_level = 2;
  c.shards_num = 3;
  c.create_ts = 449000000000000001ull;
  c.partitions = {{11, "_default", 449000000000000002ull}, {12, "recent", 449000000000000003ull}};
  c.indexes = {{21,
                "embedding_idx",
                101,
                {{"index_type", "HNSW"}, {"metric_type", "COSINE"}, {"M", "16"}},
                449000000000000004ull}};
  SegmentMeta seg;
  seg.segment_id = 31;
  seg.partition_id = 12;
  seg.num_rows = 1000;
  seg.min_ts = 449000000000000005ull;
  seg.max_ts = 449000000000000006ull;
  seg.column_files = {{100, "root/insert_log/1/12/31/100/1", 8000},
                      {101, "root/insert_log/1/12/31/101/1", 32000}};
  seg.stats_key = "root/stats_log/1/12/31/100/1";
  seg.index_files.push_back({77, "root/index_files/77/1/12/31/HNSW", 4096});
  c.segments = {seg};
  c.wal_covered_lsn = 77;
  c.loaded = true;
  c.loaded_partitions = {12};
  c.delta_logs = {{"root/delta_log/1/12/0/41", 12, 3, 449000000000000007ull, 449000000000000008ull},
                  {"root/delta_log/1/0/0/42", 0, 1, 449000000000000009ull, 449000000000000009ull}};
  c.aliases = {"live", "previous"};
  c.database = "shop";

  CollectionMeta empty;
  empty.collection_id = 2;
  empty.schema.name = "empty";

  Manifest m;
  m.version = 7;
  m.collections = {c, empty};
  m.databases = {
      {4501234567890001, "shop", 1764000000123456789, {{"database.max.collections", "9"}}}};
  return m;
}

json PayloadOf(const std::string& bytes) {
  auto env = OpenEnvelope(bytes, ObjectKind::kManifest, kManifestFormatVersion, kName);
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  return json::parse(env->payload);
}

std::string Seal(const json& payload) {
  return SealEnvelope(ObjectKind::kManifest, kManifestFormatVersion, payload.dump());
}

void ExpectDataLoss(const std::string& bytes, std::string_view detail) {
  auto decoded = DecodeManifest(bytes, kName);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(decoded.status().message().find(kName), std::string_view::npos)
      << decoded.status().ToString();
  EXPECT_NE(decoded.status().message().find(detail), std::string_view::npos)
      << decoded.status().ToString();
}

TEST(ManifestTest, RoundTripsEveryField) {
  Manifest m = FullManifest();
  auto decoded = DecodeManifest(EncodeManifest(m), kName);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, m);
}

TEST(ManifestTest, ReadsManifestsWrittenBeforeDeltaLogsPartitionLoadsAliasesAndDatabases) {
  json payload = PayloadOf(EncodeManifest(FullManifest()));
  payload["collections"][0].erase("delta_logs");
  payload["collections"][0].erase("loaded_partitions");
  payload["collections"][0].erase("aliases");
  payload["collections"][0].erase("database");
  payload.erase("databases");
  auto decoded = DecodeManifest(Seal(payload), kName);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->collections[0].database, "default");
  EXPECT_TRUE(decoded->databases.empty());
  EXPECT_TRUE(decoded->collections[0].delta_logs.empty());
  EXPECT_TRUE(decoded->collections[0].aliases.empty());
  EXPECT_TRUE(decoded->collections[0].loaded_partitions.empty());
  EXPECT_TRUE(decoded->collections[0].PartitionLoaded(11));
}

TEST(ManifestTest, RoundTripsEmptyManifest) {
  auto decoded = DecodeManifest(EncodeManifest(Manifest{}), kName);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, Manifest{});
}

TEST(ManifestTest, PayloadUsesDocumentedNames) {
  json doc = PayloadOf(EncodeManifest(FullManifest()));
  EXPECT_EQ(doc["version"], 7);
  const json& c = doc["collections"][0];
  EXPECT_EQ(c["schema"]["name"], "docs");
  EXPECT_EQ(c["wal_covered_lsn"], 77);
  EXPECT_EQ(c["loaded"], true);
  EXPECT_EQ(c["indexes"][0]["params"][0], json::array({"index_type", "HNSW"}));
  EXPECT_EQ(c["segments"][0]["column_files"][1]["size"], 32000);
  EXPECT_EQ(c["database"], "shop");
  EXPECT_EQ(doc["databases"][0]["name"], "shop");
  EXPECT_EQ(doc["databases"][0]["created_ns"], 1764000000123456789);
}

TEST(ManifestTest, FlippedByteIsDataLoss) {
  std::string bytes = EncodeManifest(FullManifest());
  bytes[bytes.size() / 2] ^= 0x01;
  ExpectDataLoss(bytes, "checksum");
}

TEST(ManifestTest, TruncatedIsDataLoss) {
  std::string bytes = EncodeManifest(FullManifest());
  ExpectDataLoss(bytes.substr(0, bytes.size() - 3), "");
  ExpectDataLoss("", "");
}

TEST(ManifestTest, WrongObjectKindIsDataLoss) {
  ExpectDataLoss(SealEnvelope(ObjectKind::kWalBatch, 1, "{}"), "kind");
}

TEST(ManifestTest, NewerFormatVersionIsDataLoss) {
  ExpectDataLoss(SealEnvelope(ObjectKind::kManifest, kManifestFormatVersion + 1, "{}"),
                 "format version");
}

TEST(ManifestTest, InvalidJsonIsDataLoss) {
  ExpectDataLoss(SealEnvelope(ObjectKind::kManifest, 1, "{\"version\": 1,"), "not valid JSON");
  ExpectDataLoss(SealEnvelope(ObjectKind::kManifest, 1, "[1, 2]"), "version");
}

TEST(ManifestTest, MissingKeysAreDataLoss) {
  json doc = PayloadOf(EncodeManifest(FullManifest()));
  for (const char* key : {"wal_covered_lsn", "loaded", "schema", "segments", "properties"}) {
    json broken = doc;
    broken["collections"][0].erase(key);
    ExpectDataLoss(Seal(broken), key);
  }
  json no_stats = doc;
  no_stats["collections"][0]["segments"][0].erase("stats_key");
  ExpectDataLoss(Seal(no_stats), "stats_key");
  json no_collections = doc;
  no_collections.erase("collections");
  ExpectDataLoss(Seal(no_collections), "collections");
}

TEST(ManifestTest, WrongTypesAreDataLoss) {
  json doc = PayloadOf(EncodeManifest(FullManifest()));
  struct Case {
    json::json_pointer where;
    json value;
    const char* detail;
  };
  const Case cases[] = {
      {json::json_pointer("/version"), "7", "version"},
      {json::json_pointer("/version"), -7, "version"},
      {json::json_pointer("/collections"), json::object(), "collections"},
      {json::json_pointer("/collections/0/collection_id"), true, "collection_id"},
      {json::json_pointer("/collections/0/collection_id"), 1.5, "collection_id"},
      {json::json_pointer("/collections/0/collection_id"), 18446744073709551615ull,
       "collection_id"},
      {json::json_pointer("/collections/0/shards_num"), 4294967296ll, "shards_num"},
      {json::json_pointer("/collections/0/loaded"), 1, "loaded"},
      {json::json_pointer("/collections/0/create_ts"), -1, "create_ts"},
      {json::json_pointer("/collections/0/properties/0"), json::array({"k"}), "properties"},
      {json::json_pointer("/collections/0/properties/1"), json::array({"k", 1}), "properties"},
      {json::json_pointer("/collections/0/partitions/0/name"), 5, "name"},
      {json::json_pointer("/collections/0/segments/0/column_files/0"), "x", "field_id"},
      {json::json_pointer("/collections/0/schema/fields"), 3, "schema"},
  };
  for (const Case& c : cases) {
    json broken = doc;
    broken[c.where] = c.value;
    SCOPED_TRACE(c.where.to_string());
    ExpectDataLoss(Seal(broken), c.detail);
  }
}

TEST(ManifestTest, Lookups) {
  Manifest m = FullManifest();
  // By name only in the default database: "docs" is in "shop".
  EXPECT_EQ(m.FindCollection("docs"), nullptr);
  m.collections[0].database = "default";
  ASSERT_NE(m.FindCollection("docs"), nullptr);
  EXPECT_EQ(m.FindCollection("docs")->collection_id, 4501234567890123);
  EXPECT_EQ(m.FindCollection(int64_t{2})->schema.name, "empty");
  EXPECT_EQ(m.FindCollection("nope"), nullptr);
  EXPECT_EQ(m.FindCollection(int64_t{3}), nullptr);
  m.FindCollection("empty")->loaded = true;
  EXPECT_TRUE(m.collections[1].loaded);

  const CollectionMeta& c = *std::as_const(m).FindCollection("docs");
  EXPECT_EQ(c.FindPartition("recent")->partition_id, 12);
  EXPECT_EQ(c.FindPartition(int64_t{11})->name, "_default");
  EXPECT_EQ(c.FindPartition("missing"), nullptr);
  EXPECT_EQ(c.FindIndexForField(101)->index_name, "embedding_idx");
  EXPECT_EQ(c.FindIndexForField(100), nullptr);
  EXPECT_EQ(c.FindIndex("embedding_idx")->index_id, 21);
  EXPECT_EQ(c.FindSegment(31)->num_rows, 1000);
  EXPECT_EQ(c.FindSegment(32), nullptr);
  EXPECT_EQ(c.SealedRows(), 1000);
}

}  // namespace
}  // namespace strata
