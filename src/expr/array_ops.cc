#include "expr/array_ops.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "schema/array_cell.h"

namespace strata::expr {
namespace {

using nlohmann::json;
using Bits = std::vector<uint8_t>;

Status ErrorAt(size_t pos, std::string message) {
  return InvalidArgument(fmt::format("{} (at position {})", message, pos));
}

// Integer values of `values` (integral numbers in int64 range); *dropped when some value can
// never equal an integer element.
std::vector<int64_t> IntTargets(const std::vector<json>& values, bool* dropped) {
  std::vector<int64_t> out;
  for (const json& v : values) {
    Scalar s = ScalarOf(&v);
    if (const auto* i = std::get_if<int64_t>(&s)) {
      out.push_back(*i);
    } else if (const auto* d = std::get_if<double>(&s); d != nullptr && std::trunc(*d) == *d &&
                                                        *d >= -9223372036854775808.0 &&
                                                        *d < 9223372036854775808.0) {
      out.push_back(static_cast<int64_t>(*d));
    } else {
      *dropped = true;
    }
  }
  return out;
}

std::vector<double> DoubleTargets(const std::vector<json>& values, bool* dropped) {
  std::vector<double> out;
  for (const json& v : values) {
    if (v.is_number()) {
      out.push_back(v.get<double>());
    } else {
      *dropped = true;
    }
  }
  return out;
}

template <typename U>
std::vector<U> Typed(const std::vector<json>& values, bool* dropped) {
  std::vector<U> out;
  for (const json& v : values) {
    bool fits;
    if constexpr (std::is_same_v<U, bool>) {
      fits = v.is_boolean();
    } else {
      fits = v.is_string();
    }
    if (fits) {
      out.push_back(v.get<U>());
    } else {
      *dropped = true;
    }
  }
  return out;
}

// The contains loop over every row: `for_each(cell, fn)` calls fn(U) per element until fn
// returns false. `targets` is sorted and unique.
template <typename U, typename ForEach>
Bits ContainsLoop(const Column& column, ContainsKind kind, const std::vector<U>& targets,
                  bool dropped, ForEach for_each) {
  const auto& cells = column.values<std::string>();
  Bits out(cells.size());
  if (kind == ContainsKind::kAll && dropped) return out;
  std::vector<uint8_t> seen(targets.size());
  for (size_t r = 0; r < cells.size(); ++r) {
    if (kind != ContainsKind::kAll) {
      bool found = false;
      for_each(cells[r], [&](const U& v) {
        found = std::binary_search(targets.begin(), targets.end(), v);
        return !found;
      });
      out[r] = found;
      continue;
    }
    std::fill(seen.begin(), seen.end(), 0);
    size_t count = 0;
    for_each(cells[r], [&](const U& v) {
      auto it = std::lower_bound(targets.begin(), targets.end(), v);
      if (it != targets.end() && *it == v && !seen[it - targets.begin()]) {
        seen[it - targets.begin()] = 1;
        ++count;
      }
      return count < targets.size();
    });
    out[r] = count == targets.size();
  }
  return out;
}

// Calls fn(U) for the elements of a fixed-width cell whose storage type is T.
template <typename T, typename U>
auto FixedEach() {
  return [](std::string_view cell, auto&& fn) {
    int64_t n = static_cast<int64_t>(cell.size() / sizeof(T));
    for (int64_t i = 0; i < n; ++i)
      if (!fn(static_cast<U>(ArrayElementAt<T>(cell, i)))) return;
  };
}

template <typename U>
Bits ContainsTyped(const Column& column, ContainsKind kind, std::vector<U> targets, bool dropped) {
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  switch (column.element_type()) {
    case DataType::kBool:
      if constexpr (std::is_same_v<U, bool>)
        return ContainsLoop(column, kind, targets, dropped, FixedEach<uint8_t, bool>());
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      if constexpr (std::is_same_v<U, int64_t>)
        return ContainsLoop(column, kind, targets, dropped, FixedEach<int32_t, int64_t>());
      break;
    case DataType::kInt64:
      if constexpr (std::is_same_v<U, int64_t>)
        return ContainsLoop(column, kind, targets, dropped, FixedEach<int64_t, int64_t>());
      break;
    case DataType::kFloat:
      if constexpr (std::is_same_v<U, double>)
        return ContainsLoop(column, kind, targets, dropped, FixedEach<float, double>());
      break;
    case DataType::kDouble:
      if constexpr (std::is_same_v<U, double>)
        return ContainsLoop(column, kind, targets, dropped, FixedEach<double, double>());
      break;
    default:
      if constexpr (std::is_same_v<U, std::string>) {
        std::vector<std::string_view> views(targets.begin(), targets.end());
        auto each = [](std::string_view cell, auto&& fn) { ForEachArrayString(cell, fn); };
        return ContainsLoop(column, kind, views, dropped, each);
      }
      break;
  }
  return Bits(column.values<std::string>().size());
}

}  // namespace

ValueType ArrayElementValueType(DataType element) {
  if (element == DataType::kBool) return ValueType::kBool;
  if (IsIntegerType(element)) return ValueType::kInt;
  if (element == DataType::kFloat || element == DataType::kDouble) return ValueType::kFloat;
  return ValueType::kString;
}

Status CheckArrayValue(const FieldRef& ref, const json& value, std::string_view what, size_t pos) {
  bool ok;
  switch (ArrayElementValueType(ref.element_type)) {
    case ValueType::kBool:
      ok = value.is_boolean();
      break;
    case ValueType::kInt:
      ok = value.is_number_integer() ||
           (value.is_number_float() && std::trunc(value.get<double>()) == value.get<double>());
      break;
    case ValueType::kFloat:
      ok = value.is_number();
      break;
    default:
      ok = value.is_string();
      break;
  }
  if (ok) return Status::Ok();
  return ErrorAt(pos, fmt::format("{}: {} cannot be an element of field '{}' (array of {})", what,
                                  value.dump(), ref.name, DataTypeName(ref.element_type)));
}

Result<std::string> EncodeArrayList(const FieldRef& ref, const json& list, size_t pos) {
  std::string cell;
  for (const json& item : list) {
    RETURN_IF_ERROR(CheckArrayValue(ref, item, "array comparison", pos));
    switch (ref.element_type) {
      case DataType::kBool:
        AppendArrayElement<uint8_t>(cell, item.get<bool>() ? 1 : 0);
        break;
      case DataType::kInt8:
      case DataType::kInt16:
      case DataType::kInt32:
      case DataType::kInt64: {
        int bits = ref.element_type == DataType::kInt8    ? 8
                   : ref.element_type == DataType::kInt16 ? 16
                   : ref.element_type == DataType::kInt32 ? 32
                                                          : 64;
        int64_t hi =
            bits == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (bits - 1)) - 1;
        // Integral floats (2.0) count as integers; compared as doubles so none overflows.
        double v = item.get<double>();
        bool fits = item.is_number_unsigned() ? item.get<uint64_t>() <= static_cast<uint64_t>(hi)
                    : item.is_number_integer()
                        ? item.get<int64_t>() >= -hi - 1 && item.get<int64_t>() <= hi
                        : v >= -static_cast<double>(hi) - 1 && v < static_cast<double>(hi) + 1;
        if (!fits)
          return ErrorAt(pos, fmt::format("array comparison: {} is out of range for the {} "
                                          "elements of field '{}'",
                                          item.dump(), DataTypeName(ref.element_type), ref.name));
        int64_t n = item.is_number_float() ? static_cast<int64_t>(v) : item.get<int64_t>();
        if (bits == 64) {
          AppendArrayElement<int64_t>(cell, n);
        } else {
          AppendArrayElement<int32_t>(cell, static_cast<int32_t>(n));
        }
        break;
      }
      case DataType::kFloat:
        AppendArrayElement<float>(cell, item.get<float>());
        break;
      case DataType::kDouble:
        AppendArrayElement<double>(cell, item.get<double>());
        break;
      default:
        AppendArrayString(cell, item.get_ref<const std::string&>());
        break;
    }
  }
  return cell;
}

std::vector<Scalar> ArrayElements(const Column& column, int64_t index) {
  const auto& cells = column.values<std::string>();
  std::vector<Scalar> out(cells.size());
  const DataType element = column.element_type();
  const int64_t width = ArrayElementWidth(element);
  for (size_t r = 0; r < cells.size(); ++r) {
    std::string_view cell = cells[r];
    if (width == 0) {
      int64_t i = 0;
      ForEachArrayString(cell, [&](std::string_view s) {
        if (i++ == index) out[r] = s;
        return i <= index;
      });
      continue;
    }
    if (index >= static_cast<int64_t>(cell.size()) / width) continue;
    switch (element) {
      case DataType::kBool:
        out[r] = ArrayElementAt<uint8_t>(cell, index) != 0;
        break;
      case DataType::kInt64:
        out[r] = ArrayElementAt<int64_t>(cell, index);
        break;
      case DataType::kFloat:
        out[r] = static_cast<double>(ArrayElementAt<float>(cell, index));
        break;
      case DataType::kDouble:
        out[r] = ArrayElementAt<double>(cell, index);
        break;
      default:  // Int8, Int16, Int32
        out[r] = static_cast<int64_t>(ArrayElementAt<int32_t>(cell, index));
        break;
    }
  }
  return out;
}

std::vector<int64_t> ArrayLengths(const Column& column) {
  const auto& cells = column.values<std::string>();
  std::vector<int64_t> out(cells.size());
  for (size_t r = 0; r < cells.size(); ++r)
    out[r] = ArrayCellLength(column.element_type(), cells[r]);
  return out;
}

Bits ArrayContains(const Column& column, ContainsKind kind, const std::vector<json>& values) {
  bool dropped = false;
  switch (ArrayElementValueType(column.element_type())) {
    case ValueType::kBool:
      return ContainsTyped(column, kind, Typed<bool>(values, &dropped), dropped);
    case ValueType::kInt:
      return ContainsTyped(column, kind, IntTargets(values, &dropped), dropped);
    case ValueType::kFloat:
      return ContainsTyped(column, kind, DoubleTargets(values, &dropped), dropped);
    default:
      return ContainsTyped(column, kind, Typed<std::string>(values, &dropped), dropped);
  }
}

Bits ArrayEquals(const Column& column, std::string_view cell, bool negated) {
  const auto& cells = column.values<std::string>();
  Bits out(cells.size());
  for (size_t r = 0; r < cells.size(); ++r) out[r] = (cells[r] == cell) != negated;
  return out;
}

}  // namespace strata::expr
