#include "schema/array_cell.h"

#include <fmt/format.h>

namespace strata {

bool IsArrayElementType(DataType element) {
  return element == DataType::kVarChar || ArrayElementWidth(element) > 0;
}

int64_t ArrayElementWidth(DataType element) {
  switch (element) {
    case DataType::kBool:
      return 1;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kFloat:
      return 4;
    case DataType::kInt64:
    case DataType::kDouble:
      return 8;
    default:
      return 0;
  }
}

void AppendArrayString(std::string& cell, std::string_view value) {
  AppendArrayElement<uint32_t>(cell, static_cast<uint32_t>(value.size()));
  cell.append(value);
}

int64_t ArrayCellLength(DataType element, std::string_view cell) {
  int64_t width = ArrayElementWidth(element);
  if (width > 0) return static_cast<int64_t>(cell.size()) / width;
  int64_t n = 0;
  ForEachArrayString(cell, [&n](std::string_view) {
    ++n;
    return true;
  });
  return n;
}

Status CheckArrayCell(DataType element, std::string_view cell, int64_t* length) {
  int64_t width = ArrayElementWidth(element);
  if (width > 0) {
    if (cell.size() % width != 0)
      return InvalidArgument(
          fmt::format("{} bytes are not whole {} elements", cell.size(), DataTypeName(element)));
    *length = static_cast<int64_t>(cell.size()) / width;
    if (element == DataType::kBool) {
      for (char c : cell)
        if (static_cast<uint8_t>(c) > 1)
          return InvalidArgument(fmt::format("Bool element {}", static_cast<uint8_t>(c)));
    } else if (element == DataType::kInt8 || element == DataType::kInt16) {
      int32_t hi = element == DataType::kInt8 ? 127 : 32767;
      for (int64_t i = 0; i < *length; ++i) {
        int32_t v = ArrayElementAt<int32_t>(cell, i);
        if (v < -hi - 1 || v > hi)
          return InvalidArgument(
              fmt::format("element {} ({}) is out of range for {}", i, v, DataTypeName(element)));
      }
    }
    return Status::Ok();
  }
  if (element != DataType::kVarChar)
    return InvalidArgument(fmt::format("{} is not an array element type", DataTypeName(element)));
  size_t at = 0;
  int64_t n = 0;
  while (at < cell.size()) {
    uint32_t size = 0;
    if (cell.size() - at < 4) return InvalidArgument("truncated VarChar element length");
    std::memcpy(&size, cell.data() + at, 4);
    at += 4;
    if (size > cell.size() - at) return InvalidArgument("truncated VarChar element");
    at += size;
    ++n;
  }
  *length = n;
  return Status::Ok();
}

}  // namespace strata
