// Column: the values of one field for a run of rows, in a typed contiguous container.
// Storage by type:
//   Bool                      std::vector<uint8_t>  (0 or 1)
//   Int8, Int16, Int32        std::vector<int32_t>  (range-checked against the type)
//   Int64                     std::vector<int64_t>
//   Float                     std::vector<float>
//   Double                    std::vector<double>
//   VarChar, JSON             std::vector<std::string>  (JSON as its UTF-8 text)
//   Array                     std::vector<std::string>  (one encoded cell per row,
//                                                       schema/array_cell.h)
//   FloatVector               std::vector<float>    (rows * dim, row-major)
//   BinaryVector              std::vector<uint8_t>  (rows * dim / 8, row-major)
// A nullable column also holds one validity byte per row (1 = a value, 0 = null); a null row
// keeps a placeholder in the values (0, false or "") so every row has a slot. A column that is
// not nullable has no validity and every row is valid.
// Not thread-safe; a sealed column is shared read-only.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "schema/data_type.h"

namespace strata {

using ColumnValues =
    std::variant<std::vector<uint8_t>, std::vector<int32_t>, std::vector<int64_t>,
                 std::vector<float>, std::vector<double>, std::vector<std::string>>;

class Column {
 public:
  Column() = default;
  // dim: vector dimension (FloatVector, BinaryVector); ignored for scalars. element_type:
  // the element type of an Array column (kNone for other types).
  Column(int64_t field_id, DataType type, int64_t dim = 0, bool nullable = false,
         DataType element_type = DataType::kNone);

  int64_t field_id() const { return field_id_; }
  DataType type() const { return type_; }
  int64_t dim() const { return dim_; }
  DataType element_type() const { return element_type_; }
  // Elements of the storage vector per row: dim for FloatVector, dim/8 for BinaryVector, else 1.
  int64_t width() const;
  int64_t size() const;  // rows

  bool nullable() const { return nullable_; }
  // Makes the column nullable (every existing row valid) or not (drops the validity; the
  // caller has checked that no row is null).
  void SetNullable(bool nullable);
  // One byte per row when nullable, else empty. Callers that append values to a nullable
  // column append the matching validity bytes.
  std::vector<uint8_t>& validity() { return validity_; }
  const std::vector<uint8_t>& validity() const { return validity_; }
  bool IsNull(int64_t row) const { return nullable_ && validity_[row] == 0; }
  int64_t NullCount() const;

  template <typename T>
  std::vector<T>& values() {
    return std::get<std::vector<T>>(values_);
  }
  template <typename T>
  const std::vector<T>& values() const {
    return std::get<std::vector<T>>(values_);
  }
  const ColumnValues& raw() const { return values_; }
  ColumnValues& raw() { return values_; }

  // Float vector of row `row` (FloatVector only).
  std::span<const float> FloatVectorAt(int64_t row) const;
  // Binary vector bytes of row `row` (BinaryVector only).
  std::span<const uint8_t> BinaryVectorAt(int64_t row) const;

  // Appends all rows of `other` (same type, element type, dim and nullability).
  void Append(const Column& other);
  // Appends row `row` of `other` (same type and dim; `other` may be non-nullable when this
  // column is nullable).
  void AppendRow(const Column& other, int64_t row);
  // Returns a column holding rows[i] of this one, in that order.
  Column Take(std::span<const int64_t> rows) const;
  void Reserve(int64_t rows);

  bool operator==(const Column& other) const = default;

 private:
  int64_t field_id_ = 0;
  DataType type_ = DataType::kNone;
  int64_t dim_ = 0;
  bool nullable_ = false;
  DataType element_type_ = DataType::kNone;
  ColumnValues values_;
  std::vector<uint8_t> validity_;
};

// A set of columns of equal length, one per field, in schema field order.
struct RowBatch {
  int64_t num_rows = 0;
  std::vector<Column> columns;

  const Column* FindColumn(int64_t field_id) const;
  Column* FindColumn(int64_t field_id);
  void Append(const RowBatch& other);  // Same field set, same order.
  RowBatch Take(std::span<const int64_t> rows) const;

  bool operator==(const RowBatch& other) const = default;
};

}  // namespace strata
