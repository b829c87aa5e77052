// Array cells: the value of one row of an Array field, held as bytes in the row's
// std::string slot of the column (schema/column.h), so that every column operation (append,
// take, codecs) works on arrays unchanged. Encoding by element type (little-endian):
//   Bool                 one byte per element (0 or 1)
//   Int8, Int16, Int32   i32 per element (range-checked against the element type)
//   Int64                i64 per element
//   Float                f32 per element
//   Double               f64 per element
//   VarChar              per element: u32 length, then the bytes
// The empty string is the empty array. Fixed-width cells are read with memcpy (no alignment
// assumed). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "common/status.h"
#include "schema/data_type.h"

namespace strata {

inline constexpr int64_t kMaxArrayCapacity = 4096;  // Milvus's bound on max_capacity

// Bool, Int8..Int64, Float, Double, VarChar.
bool IsArrayElementType(DataType element);
// Bytes per element of a fixed-width element type; 0 for VarChar.
int64_t ArrayElementWidth(DataType element);

// Appends one element to `cell`. T is the element's storage type (uint8_t, int32_t, int64_t,
// float, double).
template <typename T>
void AppendArrayElement(std::string& cell, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  cell.append(bytes, sizeof(T));
}
void AppendArrayString(std::string& cell, std::string_view value);

// Element `i` of a fixed-width cell; the caller checks i < length.
template <typename T>
T ArrayElementAt(std::string_view cell, int64_t i) {
  T value;
  std::memcpy(&value, cell.data() + i * static_cast<int64_t>(sizeof(T)), sizeof(T));
  return value;
}

// Calls fn(std::string_view) for each element of a VarChar cell, in order, until fn returns
// false. Stops at a truncated element (cells are checked by CheckArrayCell before storage).
template <typename Fn>
void ForEachArrayString(std::string_view cell, Fn&& fn) {
  size_t at = 0;
  while (cell.size() - at >= 4) {
    uint32_t length;
    std::memcpy(&length, cell.data() + at, 4);
    at += 4;
    if (length > cell.size() - at) return;
    if (!fn(cell.substr(at, length))) return;
    at += length;
  }
}

// Number of elements of a well-formed cell.
int64_t ArrayCellLength(DataType element, std::string_view cell);

// Checks that `cell` is a well-formed cell of `element` (whole elements, Bool bytes 0 or 1,
// Int8/Int16 values in range) and sets *length to its element count. On failure returns
// InvalidArgument whose message describes the problem (callers add field and row).
Status CheckArrayCell(DataType element, std::string_view cell, int64_t* length);

}  // namespace strata
