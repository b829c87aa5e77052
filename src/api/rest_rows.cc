#include "api/rest_rows.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <map>

namespace strata::api {
namespace {

using nlohmann::json;

constexpr char kDynamicField[] = "$meta";

Status BadValue(size_t row, const std::string& field, std::string_view want) {
  return InvalidArgument(fmt::format("row {}: field '{}' needs {}", row, field, want));
}

// An integer in [lo, hi], given as a JSON integer or as a string of digits (how REST clients
// send Int64 values beyond 2^53).
Result<int64_t> IntegerValue(const json& v, int64_t lo, int64_t hi, size_t row,
                             const std::string& field) {
  int64_t out = 0;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))
      return BadValue(row, field, fmt::format("an integer in [{}, {}]", lo, hi));
    out = v.get<int64_t>();
  } else if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (error != std::errc() || end != s.data() + s.size() || s.empty())
      return BadValue(row, field, "an integer");
  } else {
    return BadValue(row, field, "an integer");
  }
  if (out < lo || out > hi)
    return BadValue(row, field, fmt::format("an integer in [{}, {}]", lo, hi));
  return out;
}

// Appends `v` (not null) to `scalars`, which holds values of `type`.
Status AppendScalar(pb::DataType type, const json& v, size_t row, const std::string& field,
                    pb::ScalarField* scalars) {
  switch (type) {
    case pb::Bool:
      if (!v.is_boolean()) return BadValue(row, field, "true or false");
      scalars->mutable_bool_data()->add_data(v.get<bool>());
      return Status::Ok();
    case pb::Int8:
    case pb::Int16:
    case pb::Int32: {
      const int bits = type == pb::Int8 ? 8 : type == pb::Int16 ? 16 : 32;
      const int64_t hi = (int64_t{1} << (bits - 1)) - 1;
      ASSIGN_OR_RETURN(int64_t x, IntegerValue(v, -hi - 1, hi, row, field));
      scalars->mutable_int_data()->add_data(static_cast<int32_t>(x));
      return Status::Ok();
    }
    case pb::Int64: {
      ASSIGN_OR_RETURN(int64_t x, IntegerValue(v, std::numeric_limits<int64_t>::min(),
                                               std::numeric_limits<int64_t>::max(), row, field));
      scalars->mutable_long_data()->add_data(x);
      return Status::Ok();
    }
    case pb::Float:
    case pb::Double:
      if (!v.is_number()) return BadValue(row, field, "a number");
      if (type == pb::Float)
        scalars->mutable_float_data()->add_data(v.get<float>());
      else
        scalars->mutable_double_data()->add_data(v.get<double>());
      return Status::Ok();
    case pb::String:
    case pb::VarChar:
      if (!v.is_string()) return BadValue(row, field, "a string");
      scalars->mutable_string_data()->add_data(v.get<std::string>());
      return Status::Ok();
    case pb::JSON:
      scalars->mutable_json_data()->add_data(v.dump());
      return Status::Ok();
    default:
      return InvalidArgument(
          fmt::format("field '{}' has a type the REST API does not take yet ({})", field,
                      pb::DataType_Name(type)));
  }
}

// A placeholder for a null row, so that every row has a slot in the column.
void AppendNullPlaceholder(pb::DataType type, pb::ScalarField* scalars) {
  switch (type) {
    case pb::Bool:
      scalars->mutable_bool_data()->add_data(false);
      break;
    case pb::Int8:
    case pb::Int16:
    case pb::Int32:
      scalars->mutable_int_data()->add_data(0);
      break;
    case pb::Int64:
      scalars->mutable_long_data()->add_data(0);
      break;
    case pb::Float:
      scalars->mutable_float_data()->add_data(0);
      break;
    case pb::Double:
      scalars->mutable_double_data()->add_data(0);
      break;
    case pb::JSON:
      scalars->mutable_json_data()->add_data("");
      break;
    case pb::Array:
      scalars->mutable_array_data()->add_data();
      break;
    default:
      scalars->mutable_string_data()->add_data("");
  }
}

// Appends one row's value of `schema` to `out`.
Status AppendValue(const pb::FieldSchema& schema, const json& v, size_t row, pb::FieldData* out) {
  const std::string& name = schema.name();
  if (schema.data_type() == pb::FloatVector || schema.data_type() == pb::BinaryVector) {
    pb::VectorField* vectors = out->mutable_vectors();
    if (!v.is_array()) return BadValue(row, name, "an array of numbers");
    if (schema.data_type() == pb::FloatVector) {
      auto* data = vectors->mutable_float_vector()->mutable_data();
      for (const json& x : v) {
        if (!x.is_number()) return BadValue(row, name, "an array of numbers");
        data->Add(x.get<float>());
      }
    } else {
      std::string* bytes = vectors->mutable_binary_vector();
      for (const json& x : v) {
        ASSIGN_OR_RETURN(int64_t byte, IntegerValue(x, 0, 255, row, name));
        bytes->push_back(static_cast<char>(byte));
      }
    }
    return Status::Ok();
  }
  pb::ScalarField* scalars = out->mutable_scalars();
  if (schema.data_type() != pb::Array)
    return AppendScalar(schema.data_type(), v, row, name, scalars);
  if (!v.is_array()) return BadValue(row, name, "an array");
  pb::ArrayArray* arrays = scalars->mutable_array_data();
  arrays->set_element_type(schema.element_type());
  pb::ScalarField* cell = arrays->add_data();
  for (const json& x : v) {
    if (x.is_null()) return BadValue(row, name, "an array without nulls");
    RETURN_IF_ERROR(AppendScalar(schema.element_type(), x, row, name, cell));
  }
  return Status::Ok();
}

int64_t VectorDim(const pb::FieldSchema& schema) {
  for (const auto& kv : schema.type_params())
    if (kv.key() == "dim") return std::atoll(kv.value().c_str());
  return 0;
}

}  // namespace

Result<std::vector<pb::FieldData>> FieldDataFromRows(const pb::CollectionSchema& schema,
                                                     const json& rows, bool with_auto_id_key) {
  if (!rows.is_array() || rows.empty())
    return InvalidArgument("data must be a non-empty array of rows (JSON objects)");
  std::vector<const pb::FieldSchema*> fields;
  std::map<std::string, const pb::FieldSchema*, std::less<>> by_name;
  for (const pb::FieldSchema& f : schema.fields()) {
    by_name[f.name()] = &f;
    if (f.is_dynamic()) continue;
    if (f.is_primary_key() && f.autoid() && !with_auto_id_key) continue;
    fields.push_back(&f);
  }
  std::vector<pb::FieldData> columns(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    columns[i].set_field_name(fields[i]->name());
    columns[i].set_type(fields[i]->data_type());
    if (fields[i]->data_type() == pb::FloatVector || fields[i]->data_type() == pb::BinaryVector)
      columns[i].mutable_vectors()->set_dim(VectorDim(*fields[i]));
  }
  pb::FieldData dynamic;
  dynamic.set_field_name(kDynamicField);
  dynamic.set_type(pb::JSON);
  dynamic.set_is_dynamic(true);

  for (size_t r = 0; r < rows.size(); ++r) {
    const json& row = rows[r];
    if (!row.is_object()) return InvalidArgument(fmt::format("row {} is not a JSON object", r));
    for (size_t i = 0; i < fields.size(); ++i) {
      const pb::FieldSchema& f = *fields[i];
      auto it = row.find(f.name());
      const bool absent = it == row.end() || it->is_null();
      const bool may_be_null = f.nullable() || f.has_default_value();
      if (absent && !may_be_null)
        return InvalidArgument(fmt::format("row {} has no value for field '{}'", r, f.name()));
      if (may_be_null) columns[i].add_valid_data(!absent);
      if (absent) {
        AppendNullPlaceholder(f.data_type(), columns[i].mutable_scalars());
        continue;
      }
      RETURN_IF_ERROR(AppendValue(f, *it, r, &columns[i]));
    }
    json extra = json::object();
    for (auto it = row.begin(); it != row.end(); ++it) {
      if (auto known = by_name.find(it.key()); known != by_name.end()) {
        const pb::FieldSchema* f = known->second;
        if (f->is_primary_key() && f->autoid() && !with_auto_id_key && !it->is_null())
          return InvalidArgument(fmt::format(
              "row {}: primary key '{}' is auto_id: the server generates it", r, it.key()));
        continue;
      }
      if (!schema.enable_dynamic_field())
        return InvalidArgument(fmt::format(
            "row {}: no field '{}' (and the collection has no dynamic field)", r, it.key()));
      extra[it.key()] = it.value();
    }
    if (schema.enable_dynamic_field())
      dynamic.mutable_scalars()->mutable_json_data()->add_data(extra.dump());
  }
  if (schema.enable_dynamic_field()) columns.push_back(std::move(dynamic));
  return columns;
}

json Int64Value(int64_t value, const RowFormat& format) {
  if (format.int64_as_string) return std::to_string(value);
  return value;
}

namespace {

int64_t ScalarRows(const pb::ScalarField& s) {
  switch (s.data_case()) {
    case pb::ScalarField::kBoolData:
      return s.bool_data().data_size();
    case pb::ScalarField::kIntData:
      return s.int_data().data_size();
    case pb::ScalarField::kLongData:
      return s.long_data().data_size();
    case pb::ScalarField::kFloatData:
      return s.float_data().data_size();
    case pb::ScalarField::kDoubleData:
      return s.double_data().data_size();
    case pb::ScalarField::kStringData:
      return s.string_data().data_size();
    case pb::ScalarField::kJsonData:
      return s.json_data().data_size();
    case pb::ScalarField::kArrayData:
      return s.array_data().data_size();
    default:
      return 0;
  }
}

// The value of row `row` of `s`, whose values have type `type` (element rows of an Array
// column are themselves ScalarFields).
json ScalarValue(const pb::ScalarField& s, pb::DataType type, int64_t row,
                 const RowFormat& format) {
  switch (s.data_case()) {
    case pb::ScalarField::kBoolData:
      return s.bool_data().data(static_cast<int>(row));
    case pb::ScalarField::kIntData:
      return s.int_data().data(static_cast<int>(row));
    case pb::ScalarField::kLongData:
      return Int64Value(s.long_data().data(static_cast<int>(row)), format);
    case pb::ScalarField::kFloatData:
      return s.float_data().data(static_cast<int>(row));
    case pb::ScalarField::kDoubleData:
      return s.double_data().data(static_cast<int>(row));
    case pb::ScalarField::kStringData:
      return s.string_data().data(static_cast<int>(row));
    case pb::ScalarField::kJsonData: {
      json parsed = json::parse(s.json_data().data(static_cast<int>(row)), nullptr, false);
      return parsed.is_discarded() ? json() : parsed;
    }
    case pb::ScalarField::kArrayData: {
      const pb::ScalarField& cell = s.array_data().data(static_cast<int>(row));
      json out = json::array();
      for (int64_t i = 0; i < ScalarRows(cell); ++i)
        out.push_back(ScalarValue(cell, type, i, format));
      return out;
    }
    default:
      return json();
  }
}

}  // namespace

int64_t ColumnRows(const pb::FieldData& column) {
  if (!column.has_vectors()) return ScalarRows(column.scalars());
  const pb::VectorField& v = column.vectors();
  if (v.has_float_vector()) return v.dim() > 0 ? v.float_vector().data_size() / v.dim() : 0;
  return v.dim() >= 8 ? static_cast<int64_t>(v.binary_vector().size()) / (v.dim() / 8) : 0;
}

void AddRowValue(const pb::FieldData& column, int64_t row, const RowFormat& format, json* out) {
  const std::string& name = column.field_name();
  if (column.valid_data_size() > row && !column.valid_data(static_cast<int>(row))) {
    if (!column.is_dynamic()) (*out)[name] = nullptr;
    return;
  }
  if (column.has_vectors()) {
    const pb::VectorField& v = column.vectors();
    const int64_t dim = v.dim();
    if (v.has_float_vector()) {
      if ((row + 1) * dim > v.float_vector().data_size()) return;
      json values = json::array();
      for (int64_t d = 0; d < dim; ++d) values.push_back(v.float_vector().data(row * dim + d));
      (*out)[name] = std::move(values);
    } else if (v.data_case() == pb::VectorField::kBinaryVector) {
      const int64_t bytes = dim / 8;
      if ((row + 1) * bytes > static_cast<int64_t>(v.binary_vector().size())) return;
      json values = json::array();
      for (int64_t b = 0; b < bytes; ++b)
        values.push_back(static_cast<uint8_t>(v.binary_vector()[row * bytes + b]));
      (*out)[name] = std::move(values);
    }
    return;
  }
  if (row >= ScalarRows(column.scalars())) return;
  if (!column.is_dynamic() && column.scalars().has_json_data()) {
    // A JSON field's value comes back as its text, as Milvus's REST API sends it.
    (*out)[name] = column.scalars().json_data().data(static_cast<int>(row));
    return;
  }
  json value = ScalarValue(column.scalars(), column.type(), row, format);
  if (column.is_dynamic()) {
    if (value.is_object())
      for (auto it = value.begin(); it != value.end(); ++it) (*out)[it.key()] = it.value();
    return;
  }
  (*out)[name] = std::move(value);
}

}  // namespace strata::api
