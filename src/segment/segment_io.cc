#include "segment/segment_io.h"

#include <fmt/format.h>

#include <algorithm>

#include "format/column_file.h"

namespace strata {
namespace {

std::string SegmentPath(const SegmentLocation& w, std::string_view kind) {
  return fmt::format("{}{}/{}/{}/{}/", w.root, kind, w.collection_id, w.partition_id, w.segment_id);
}

SegmentStats ComputeStats(const CollectionSchema& schema, const Chunk& chunk) {
  SegmentStats stats;
  const FieldSchema& pk = schema.PrimaryField();
  stats.num_rows = chunk.num_rows();
  stats.pk_type = pk.type;
  const Column* col = chunk.rows.FindColumn(pk.field_id);
  if (pk.type == DataType::kInt64) {
    const auto& v = col->values<int64_t>();
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    stats.min_int_pk = *lo;
    stats.max_int_pk = *hi;
  } else {
    const auto& v = col->values<std::string>();
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    stats.min_str_pk = *lo;
    stats.max_str_pk = *hi;
  }
  auto [lo_ts, hi_ts] = std::minmax_element(chunk.timestamps.begin(), chunk.timestamps.end());
  stats.min_ts = *lo_ts;
  stats.max_ts = *hi_ts;
  return stats;
}

}  // namespace

Result<SegmentMeta> WriteSealedSegment(ObjectStore* store, const SegmentLocation& where,
                                       const CollectionSchema& schema, const Chunk& chunk,
                                       int64_t log_id) {
  if (chunk.num_rows() == 0) return InvalidArgument("cannot seal an empty segment");
  SegmentMeta meta;
  meta.segment_id = where.segment_id;
  meta.partition_id = where.partition_id;
  meta.num_rows = chunk.num_rows();
  std::string insert_dir = SegmentPath(where, "insert_log");

  auto write_column = [&](const Column& column) -> Status {
    std::string key = fmt::format("{}{}/{}", insert_dir, column.field_id(), log_id);
    std::string bytes = EncodeColumnFile(column);
    RETURN_IF_ERROR(store->Put(key, bytes));
    meta.column_files.push_back({column.field_id(), key, static_cast<int64_t>(bytes.size())});
    return Status::Ok();
  };
  Column ts(kTimestampFieldId, DataType::kInt64);
  ts.values<int64_t>().assign(chunk.timestamps.begin(), chunk.timestamps.end());
  RETURN_IF_ERROR(write_column(ts));
  for (const auto& column : chunk.rows.columns) RETURN_IF_ERROR(write_column(column));

  SegmentStats stats = ComputeStats(schema, chunk);
  meta.min_ts = stats.min_ts;
  meta.max_ts = stats.max_ts;
  meta.stats_key = fmt::format("{}{}/{}", SegmentPath(where, "stats_log"),
                               schema.PrimaryField().field_id, log_id);
  RETURN_IF_ERROR(store->Put(meta.stats_key, EncodeSegmentStats(stats)));
  return meta;
}

Result<Chunk> ReadSealedSegment(ObjectStore* store, const SegmentMeta& meta,
                                const CollectionSchema& schema) {
  auto read_column = [&](int64_t field_id) -> Result<Column> {
    for (const auto& file : meta.column_files) {
      if (file.field_id != field_id) continue;
      auto bytes = store->Get(file.key);
      if (!bytes.ok()) {
        if (bytes.status().code() == StatusCode::kNotFound)
          return DataLoss(
              fmt::format("column file '{}' named by the catalog is missing", file.key));
        return bytes.status();
      }
      ASSIGN_OR_RETURN(Column column, DecodeColumnFile(*bytes, file.key));
      if (column.field_id() != field_id || column.size() != meta.num_rows)
        return DataLoss(
            fmt::format("column file '{}' holds field {} with {} rows; expected "
                        "field {} with {} rows",
                        file.key, column.field_id(), column.size(), field_id, meta.num_rows));
      return column;
    }
    return DataLoss(
        fmt::format("segment {} has no column file for field {}", meta.segment_id, field_id));
  };
  Chunk chunk;
  ASSIGN_OR_RETURN(Column ts, read_column(kTimestampFieldId));
  const auto& tv = ts.values<int64_t>();
  chunk.timestamps.assign(tv.begin(), tv.end());
  chunk.rows.num_rows = meta.num_rows;
  for (const auto& field : schema.fields) {
    ASSIGN_OR_RETURN(Column column, read_column(field.field_id));
    if (column.nullable() != field.nullable)
      return DataLoss(
          fmt::format("column file of field '{}' in segment {} is {}nullable, the "
                      "schema says otherwise",
                      field.name, meta.segment_id, column.nullable() ? "" : "not "));
    if (column.type() != field.type ||
        column.element_type() != ColumnForField(field).element_type())
      return DataLoss(
          fmt::format("column file of field '{}' in segment {} holds {} (elements {}), "
                      "the schema says {}",
                      field.name, meta.segment_id, DataTypeName(column.type()),
                      DataTypeName(column.element_type()), DataTypeName(field.type)));
    chunk.rows.columns.push_back(std::move(column));
  }
  return chunk;
}

std::vector<std::string> SegmentKeys(const SegmentMeta& meta) {
  std::vector<std::string> keys;
  for (const auto& f : meta.column_files) keys.push_back(f.key);
  if (!meta.stats_key.empty()) keys.push_back(meta.stats_key);
  return keys;
}

}  // namespace strata
