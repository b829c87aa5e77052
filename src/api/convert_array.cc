#include "api/convert_array.h"

#include <fmt/format.h>

#include "schema/array_cell.h"

namespace strata::api {
namespace {

// The ScalarField case that carries elements of `element`, as the SDKs fill it.
pb::ScalarField::DataCase CaseOf(DataType element) {
  switch (element) {
    case DataType::kBool:
      return pb::ScalarField::kBoolData;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return pb::ScalarField::kIntData;
    case DataType::kInt64:
      return pb::ScalarField::kLongData;
    case DataType::kFloat:
      return pb::ScalarField::kFloatData;
    case DataType::kDouble:
      return pb::ScalarField::kDoubleData;
    default:
      return pb::ScalarField::kStringData;
  }
}

std::string_view CaseName(pb::ScalarField::DataCase c) {
  switch (c) {
    case pb::ScalarField::kBoolData:
      return "bool";
    case pb::ScalarField::kIntData:
      return "int";
    case pb::ScalarField::kLongData:
      return "int64";
    case pb::ScalarField::kFloatData:
      return "float";
    case pb::ScalarField::kDoubleData:
      return "double";
    case pb::ScalarField::kStringData:
      return "string";
    case pb::ScalarField::kBytesData:
      return "bytes";
    case pb::ScalarField::kArrayData:
      return "array";
    case pb::ScalarField::kJsonData:
      return "JSON";
    default:
      return "no";
  }
}

template <typename T, typename Repeated>
std::string FixedCell(const Repeated& values) {
  std::string cell;
  cell.reserve(values.size() * sizeof(T));
  for (auto v : values) AppendArrayElement<T>(cell, static_cast<T>(v));
  return cell;
}

std::string CellOf(const pb::ScalarField& row) {
  switch (row.data_case()) {
    case pb::ScalarField::kBoolData:
      return FixedCell<uint8_t>(row.bool_data().data());
    case pb::ScalarField::kIntData:
      return FixedCell<int32_t>(row.int_data().data());
    case pb::ScalarField::kLongData:
      return FixedCell<int64_t>(row.long_data().data());
    case pb::ScalarField::kFloatData:
      return FixedCell<float>(row.float_data().data());
    case pb::ScalarField::kDoubleData:
      return FixedCell<double>(row.double_data().data());
    case pb::ScalarField::kStringData: {
      std::string cell;
      for (const std::string& s : row.string_data().data()) AppendArrayString(cell, s);
      return cell;
    }
    default:
      return {};
  }
}

template <typename T, typename Repeated>
void AddFixed(std::string_view cell, Repeated* out) {
  int64_t n = static_cast<int64_t>(cell.size() / sizeof(T));
  out->Reserve(static_cast<int>(n));
  for (int64_t i = 0; i < n; ++i) out->Add(ArrayElementAt<T>(cell, i));
}

}  // namespace

Result<Column> ArrayColumnFromScalars(const FieldSchema& field, const pb::ScalarField& data) {
  if (!data.has_array_data())
    return InvalidArgument(fmt::format("field '{}' is Array but the data sent is {} data",
                                       field.name, CaseName(data.data_case())));
  const pb::ArrayArray& arrays = data.array_data();
  auto sent = static_cast<DataType>(arrays.element_type());
  if (sent != DataType::kNone && sent != field.element_type)
    return InvalidArgument(
        fmt::format("array field '{}' holds {} elements but the data sent has "
                    "element type {}",
                    field.name, DataTypeName(field.element_type), DataTypeName(sent)));
  pb::ScalarField::DataCase want = CaseOf(field.element_type);
  Column col = ColumnForField(field);
  col.SetNullable(false);
  auto& cells = col.values<std::string>();
  cells.reserve(arrays.data_size());
  for (int r = 0; r < arrays.data_size(); ++r) {
    const pb::ScalarField& row = arrays.data(r);
    if (row.data_case() != want && row.data_case() != pb::ScalarField::DATA_NOT_SET)
      return InvalidArgument(
          fmt::format("field '{}' row {}: array elements are {} data, but the element type is {}",
                      field.name, r, CaseName(row.data_case()), DataTypeName(field.element_type)));
    cells.push_back(CellOf(row));
  }
  return col;
}

void ArrayColumnToScalars(const Column& column, const FieldSchema& field, pb::ScalarField* out) {
  pb::ArrayArray* arrays = out->mutable_array_data();
  arrays->set_element_type(static_cast<pb::DataType>(field.element_type));
  for (const std::string& cell : column.values<std::string>()) {
    pb::ScalarField* row = arrays->add_data();
    switch (field.element_type) {
      case DataType::kBool: {
        auto* dst = row->mutable_bool_data()->mutable_data();
        for (char b : cell) dst->Add(b != 0);
        break;
      }
      case DataType::kInt8:
      case DataType::kInt16:
      case DataType::kInt32:
        AddFixed<int32_t>(cell, row->mutable_int_data()->mutable_data());
        break;
      case DataType::kInt64:
        AddFixed<int64_t>(cell, row->mutable_long_data()->mutable_data());
        break;
      case DataType::kFloat:
        AddFixed<float>(cell, row->mutable_float_data()->mutable_data());
        break;
      case DataType::kDouble:
        AddFixed<double>(cell, row->mutable_double_data()->mutable_data());
        break;
      default: {
        auto* dst = row->mutable_string_data()->mutable_data();
        ForEachArrayString(cell, [dst](std::string_view s) {
          dst->Add(std::string(s));
          return true;
        });
        break;
      }
    }
  }
}

}  // namespace strata::api
