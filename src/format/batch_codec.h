// Row batch codec: a RowBatch (schema/column.h) as bytes, the payload of a WAL insert record.
// The bytes carry no envelope of their own; the object holding them (a WAL batch) checksums
// them. Layout (little-endian; see doc/formats.md "Row batch"):
//
//   i64 num_rows, u32 column_count, then column_count columns, each:
//   i64 field_id, i32 type_word, i64 dim, u64 num_rows, [i32 element_type], [validity], values
//
// type_word: the data type, plus kNullableColumnFlag for a nullable column, which is then
// followed by a validity bitmap of ceil(num_rows / 8) bytes (bit r % 8 of byte r / 8 is 1 when
// row r has a value; unused bits zero). Columns written before nullable fields existed never
// carry the flag and decode unchanged.
//
// element_type: only for Array columns (type 22), the DataType of the elements.
//
// values: num_rows * width fixed-width elements of the column's storage type (Bool, Int8,
// Int16, Int32, Int64, Float, Double, FloatVector, BinaryVector), or num_rows strings as
// u32 length + bytes (VarChar, JSON, and Array, whose strings are array cells as in
// schema/array_cell.h).
//
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "schema/column.h"

namespace strata {

inline constexpr int32_t kNullableColumnFlag = 1 << 16;

std::string EncodeRowBatch(const RowBatch& batch);

// Decodes untrusted bytes: every length is checked against the remaining input before
// anything is allocated. DataLoss naming `object_name` on any inconsistency: unsupported
// data type, bad dim, truncation, trailing bytes, a column whose row count differs from the
// batch's, a duplicate field id, out-of-range Bool/Int8/Int16 values, a nullable vector
// column, validity bits set past the last row, an Array column with an element type that
// arrays cannot hold or a malformed cell.
Result<RowBatch> DecodeRowBatch(std::string_view bytes, std::string_view object_name);

class ByteWriter;
class ByteReader;

namespace format_internal {

// One column in the layout above; shared by the row batch and the column file so the two
// can never drift apart.
void WriteColumn(const Column& column, ByteWriter& writer);
Result<Column> ReadColumn(ByteReader& reader);

}  // namespace format_internal
}  // namespace strata
