#include "format/batch_codec.h"

#include <limits>
#include <set>

#include "common/byte_io.h"
#include "schema/array_cell.h"

namespace strata {
namespace format_internal {
namespace {

// Smallest encoded column (header with no values); bounds a claimed column count.
constexpr size_t kColumnHeaderSize = 8 + 4 + 8 + 8;

// The validity bitmap: bit r of byte r / 8 (least significant first) is 1 when row r has a
// value. Bits past the last row are zero so the encoding stays canonical.
void WriteValidity(const Column& column, ByteWriter& writer) {
  std::string bits((column.validity().size() + 7) / 8, '\0');
  for (size_t r = 0; r < column.validity().size(); ++r)
    if (column.validity()[r]) bits[r / 8] = static_cast<char>(bits[r / 8] | (1 << (r % 8)));
  writer.PutBytes(bits);
}

Status ReadValidity(ByteReader& reader, uint64_t rows, Column& column) {
  if (rows / 8 >= reader.remaining())
    return reader.Corrupt(fmt::format("validity of {} rows exceeds the object", rows));
  std::string_view bits;
  RETURN_IF_ERROR(reader.ReadBytes((rows + 7) / 8, &bits, "validity bitmap"));
  auto& validity = column.validity();
  validity.resize(rows);
  for (uint64_t r = 0; r < rows; ++r) validity[r] = (bits[r / 8] >> (r % 8)) & 1;
  if (rows % 8 != 0 && (static_cast<uint8_t>(bits.back()) >> (rows % 8)) != 0)
    return reader.Corrupt("validity bitmap has bits set past the last row");
  return Status::Ok();
}

template <typename T>
void WriteFixed(const Column& column, ByteWriter& writer) {
  const auto& v = column.values<T>();
  writer.PutArray(v.data(), static_cast<size_t>(column.size() * column.width()));
}

template <typename T>
Status ReadFixed(ByteReader& reader, uint64_t rows, int64_t width, Column& column) {
  // rows * width * sizeof(T) must fit in the remaining bytes; divide instead of multiplying
  // so a huge claimed count cannot overflow.
  uint64_t limit = reader.remaining() / sizeof(T);
  if (width > 0 && rows > limit / static_cast<uint64_t>(width))
    return reader.Corrupt(fmt::format("{} rows of width {} exceed the object", rows, width));
  return reader.ReadArray(rows * static_cast<uint64_t>(width), &column.values<T>(),
                          "column values");
}

Status ReadStrings(ByteReader& reader, uint64_t rows, Column& column) {
  // Each string takes at least its 4-byte length.
  if (rows > reader.remaining() / 4)
    return reader.Corrupt(fmt::format("{} strings exceed the object", rows));
  auto& v = column.values<std::string>();
  v.reserve(rows);
  for (uint64_t r = 0; r < rows; ++r) {
    uint32_t length = 0;
    RETURN_IF_ERROR(reader.Read(&length, "string length"));
    std::string_view bytes;
    RETURN_IF_ERROR(reader.ReadBytes(length, &bytes, "string"));
    v.emplace_back(bytes);
  }
  return Status::Ok();
}

Status CheckRange(ByteReader& reader, const Column& column) {
  if (column.type() == DataType::kArray) {
    const auto& cells = column.values<std::string>();
    for (size_t r = 0; r < cells.size(); ++r) {
      int64_t length = 0;
      if (Status st = CheckArrayCell(column.element_type(), cells[r], &length); !st.ok())
        return reader.Corrupt(
            fmt::format("field {} row {}: {}", column.field_id(), r, st.message()));
    }
  } else if (column.type() == DataType::kBool) {
    for (uint8_t b : column.values<uint8_t>())
      if (b > 1) return reader.Corrupt(fmt::format("Bool value {}", b));
  } else if (column.type() == DataType::kInt8 || column.type() == DataType::kInt16) {
    int32_t hi = column.type() == DataType::kInt8 ? std::numeric_limits<int8_t>::max()
                                                  : std::numeric_limits<int16_t>::max();
    for (int32_t x : column.values<int32_t>())
      if (x < -hi - 1 || x > hi)
        return reader.Corrupt(
            fmt::format("{} out of range for {}", x, DataTypeName(column.type())));
  }
  return Status::Ok();
}

}  // namespace

void WriteColumn(const Column& column, ByteWriter& writer) {
  writer.Put<int64_t>(column.field_id());
  int32_t type_word = static_cast<int32_t>(column.type());
  if (column.nullable()) type_word |= kNullableColumnFlag;
  writer.Put<int32_t>(type_word);
  writer.Put<int64_t>(column.dim());
  writer.Put<uint64_t>(static_cast<uint64_t>(column.size()));
  if (column.type() == DataType::kArray)
    writer.Put<int32_t>(static_cast<int32_t>(column.element_type()));
  if (column.nullable()) WriteValidity(column, writer);
  std::visit(
      [&](const auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          for (const auto& s : v) {
            writer.Put<uint32_t>(static_cast<uint32_t>(s.size()));
            writer.PutBytes(s);
          }
        } else {
          WriteFixed<typename V::value_type>(column, writer);
        }
      },
      column.raw());
}

Result<Column> ReadColumn(ByteReader& reader) {
  int64_t field_id = 0;
  int32_t raw_type = 0;
  int64_t dim = 0;
  uint64_t rows = 0;
  RETURN_IF_ERROR(reader.Read(&field_id, "field id"));
  RETURN_IF_ERROR(reader.Read(&raw_type, "data type"));
  RETURN_IF_ERROR(reader.Read(&dim, "dim"));
  RETURN_IF_ERROR(reader.Read(&rows, "row count"));
  bool nullable = (raw_type & kNullableColumnFlag) != 0;
  auto type = static_cast<DataType>(raw_type & ~kNullableColumnFlag);
  if (!IsSupportedType(type))
    return reader.Corrupt(fmt::format("field {} has unknown data type {}", field_id, raw_type));
  if (nullable && IsVectorType(type))
    return reader.Corrupt(fmt::format("field {} is a nullable vector", field_id));
  if (dim < 0) return reader.Corrupt(fmt::format("field {} has dim {}", field_id, dim));
  if (IsVectorType(type) && (dim == 0 || (type == DataType::kBinaryVector && dim % 8 != 0)))
    return reader.Corrupt(
        fmt::format("field {} is a {} of dim {}", field_id, DataTypeName(type), dim));
  int32_t element_type = 0;
  if (type == DataType::kArray) {
    RETURN_IF_ERROR(reader.Read(&element_type, "element type"));
    if (!IsArrayElementType(static_cast<DataType>(element_type)))
      return reader.Corrupt(
          fmt::format("array field {} has element type {}", field_id, element_type));
  }
  Column column(field_id, type, dim, nullable, static_cast<DataType>(element_type));
  if (nullable) RETURN_IF_ERROR(ReadValidity(reader, rows, column));
  int64_t width = column.width();
  Status st = std::visit(
      [&](auto& v) {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          return ReadStrings(reader, rows, column);
        } else {
          return ReadFixed<typename V::value_type>(reader, rows, width, column);
        }
      },
      column.raw());
  RETURN_IF_ERROR(st);
  RETURN_IF_ERROR(CheckRange(reader, column));
  return column;
}

}  // namespace format_internal

std::string EncodeRowBatch(const RowBatch& batch) {
  std::string out;
  ByteWriter writer(&out);
  writer.Put<int64_t>(batch.num_rows);
  writer.Put<uint32_t>(static_cast<uint32_t>(batch.columns.size()));
  for (const auto& column : batch.columns) format_internal::WriteColumn(column, writer);
  return out;
}

Result<RowBatch> DecodeRowBatch(std::string_view bytes, std::string_view object_name) {
  ByteReader reader(bytes, object_name);
  RowBatch batch;
  uint32_t column_count = 0;
  RETURN_IF_ERROR(reader.Read(&batch.num_rows, "row count"));
  RETURN_IF_ERROR(reader.Read(&column_count, "column count"));
  if (batch.num_rows < 0) return reader.Corrupt(fmt::format("row count {}", batch.num_rows));
  if (column_count > reader.remaining() / format_internal::kColumnHeaderSize)
    return reader.Corrupt(fmt::format("{} columns exceed the object", column_count));
  batch.columns.reserve(column_count);
  std::set<int64_t> field_ids;
  for (uint32_t i = 0; i < column_count; ++i) {
    ASSIGN_OR_RETURN(Column column, format_internal::ReadColumn(reader));
    if (column.size() != batch.num_rows)
      return reader.Corrupt(fmt::format("field {} has {} rows, the batch {}", column.field_id(),
                                        column.size(), batch.num_rows));
    if (!field_ids.insert(column.field_id()).second)
      return reader.Corrupt(fmt::format("field {} appears twice", column.field_id()));
    batch.columns.push_back(std::move(column));
  }
  RETURN_IF_ERROR(reader.ExpectEnd());
  return batch;
}

}  // namespace strata
