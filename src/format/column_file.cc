#include "format/column_file.h"

#include "common/byte_io.h"
#include "format/batch_codec.h"
#include "format/envelope.h"

namespace strata {

std::string EncodeColumnFile(const Column& column) {
  std::string payload;
  ByteWriter writer(&payload);
  format_internal::WriteColumn(column, writer);
  return SealEnvelope(ObjectKind::kColumnFile, kColumnFileVersion, payload);
}

Result<Column> DecodeColumnFile(std::string_view bytes, std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope envelope,
                   OpenEnvelope(bytes, ObjectKind::kColumnFile, kColumnFileVersion, object_name));
  ByteReader reader(envelope.payload, object_name);
  ASSIGN_OR_RETURN(Column column, format_internal::ReadColumn(reader));
  RETURN_IF_ERROR(reader.ExpectEnd());
  return column;
}

std::string EncodeSegmentStats(const SegmentStats& stats) {
  std::string payload;
  ByteWriter writer(&payload);
  writer.Put<int64_t>(stats.num_rows);
  writer.Put<int32_t>(static_cast<int32_t>(stats.pk_type));
  writer.Put<int64_t>(stats.min_int_pk);
  writer.Put<int64_t>(stats.max_int_pk);
  writer.Put<uint32_t>(static_cast<uint32_t>(stats.min_str_pk.size()));
  writer.PutBytes(stats.min_str_pk);
  writer.Put<uint32_t>(static_cast<uint32_t>(stats.max_str_pk.size()));
  writer.PutBytes(stats.max_str_pk);
  writer.Put<uint64_t>(stats.min_ts);
  writer.Put<uint64_t>(stats.max_ts);
  return SealEnvelope(ObjectKind::kStats, kStatsVersion, payload);
}

namespace {

Status ReadString(ByteReader& reader, std::string* out, std::string_view what) {
  uint32_t length = 0;
  RETURN_IF_ERROR(reader.Read(&length, what));
  std::string_view bytes;
  RETURN_IF_ERROR(reader.ReadBytes(length, &bytes, what));
  out->assign(bytes);
  return Status::Ok();
}

}  // namespace

Result<SegmentStats> DecodeSegmentStats(std::string_view bytes, std::string_view object_name) {
  ASSIGN_OR_RETURN(OpenedEnvelope envelope,
                   OpenEnvelope(bytes, ObjectKind::kStats, kStatsVersion, object_name));
  ByteReader reader(envelope.payload, object_name);
  SegmentStats stats;
  int32_t pk_type = 0;
  RETURN_IF_ERROR(reader.Read(&stats.num_rows, "row count"));
  RETURN_IF_ERROR(reader.Read(&pk_type, "primary key type"));
  RETURN_IF_ERROR(reader.Read(&stats.min_int_pk, "min primary key"));
  RETURN_IF_ERROR(reader.Read(&stats.max_int_pk, "max primary key"));
  RETURN_IF_ERROR(ReadString(reader, &stats.min_str_pk, "min primary key"));
  RETURN_IF_ERROR(ReadString(reader, &stats.max_str_pk, "max primary key"));
  RETURN_IF_ERROR(reader.Read(&stats.min_ts, "min timestamp"));
  RETURN_IF_ERROR(reader.Read(&stats.max_ts, "max timestamp"));
  RETURN_IF_ERROR(reader.ExpectEnd());
  stats.pk_type = static_cast<DataType>(pk_type);
  if (stats.num_rows < 0) return reader.Corrupt(fmt::format("row count {}", stats.num_rows));
  if (stats.pk_type != DataType::kInt64 && stats.pk_type != DataType::kVarChar)
    return reader.Corrupt(fmt::format("primary key type {}", pk_type));
  if (stats.num_rows > 0) {
    bool bad_pk = stats.pk_type == DataType::kInt64 ? stats.min_int_pk > stats.max_int_pk
                                                    : stats.min_str_pk > stats.max_str_pk;
    if (bad_pk) return reader.Corrupt("min primary key above max");
    if (stats.min_ts > stats.max_ts) return reader.Corrupt("min timestamp above max");
  }
  return stats;
}

}  // namespace strata
