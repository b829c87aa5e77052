#include "api/convert.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/convert_array.h"

namespace strata::api {
namespace {

Result<Column> ValuesFromFieldData(const FieldSchema& field, const pb::FieldData& fd);

Status TypeMismatch(const FieldSchema& field, std::string_view got) {
  return InvalidArgument(fmt::format("field '{}' is {} but the data sent is {}", field.name,
                                     DataTypeName(field.type), got));
}

std::string_view ScalarKind(const pb::ScalarField& s) {
  switch (s.data_case()) {
    case pb::ScalarField::kBoolData:
      return "bool data";
    case pb::ScalarField::kIntData:
      return "int data";
    case pb::ScalarField::kLongData:
      return "int64 data";
    case pb::ScalarField::kFloatData:
      return "float data";
    case pb::ScalarField::kDoubleData:
      return "double data";
    case pb::ScalarField::kStringData:
      return "string data";
    case pb::ScalarField::kBytesData:
      return "bytes data";
    case pb::ScalarField::kArrayData:
      return "array data";
    case pb::ScalarField::kJsonData:
      return "JSON data";
    default:
      return "no data";
  }
}

// Gives `col` the client's validity. Clients send a nullable column either compact (values for
// the valid rows only, as the SDKs do) or full (a value slot for every row); compact values
// are spread out with placeholder slots for the null rows.
Status ApplyValidData(const FieldSchema& field, const pb::FieldData& fd, Column& col) {
  const auto& valid = fd.valid_data();
  int64_t rows = valid.size();
  int64_t valid_rows = std::count(valid.begin(), valid.end(), true);
  if (IsVectorType(field.type)) {
    if (valid_rows != rows)
      return InvalidArgument(fmt::format("vector field '{}' cannot hold null values", field.name));
    return Status::Ok();
  }
  int64_t values = col.size();
  if (values == valid_rows && values != rows) {
    std::visit(
        [&](auto& v) {
          auto compact = std::move(v);
          v.assign(rows, {});
          for (int64_t r = 0, next = 0; r < rows; ++r)
            if (valid[r]) v[r] = std::move(compact[next++]);
        },
        col.raw());
  } else if (values != rows) {
    return InvalidArgument(
        fmt::format("field '{}' has {} values for {} rows of which {} are valid (null)", field.name,
                    values, rows, valid_rows));
  }
  col.SetNullable(true);
  for (int64_t r = 0; r < rows; ++r) col.validity()[r] = valid[r] ? 1 : 0;
  return Status::Ok();
}

Result<nlohmann::json> DefaultFromProto(const pb::FieldSchema& f) {
  const pb::ValueField& v = f.default_value();
  switch (v.data_case()) {
    case pb::ValueField::kBoolData:
      return nlohmann::json(v.bool_data());
    case pb::ValueField::kIntData:
      return nlohmann::json(v.int_data());
    case pb::ValueField::kLongData:
      return nlohmann::json(v.long_data());
    case pb::ValueField::kFloatData:
      return nlohmann::json(static_cast<double>(v.float_data()));
    case pb::ValueField::kDoubleData:
      return nlohmann::json(v.double_data());
    case pb::ValueField::kStringData:
      return nlohmann::json(v.string_data());
    case pb::ValueField::kBytesData:
      return InvalidArgument(
          fmt::format("field '{}': a bytes default value is not supported", f.name()));
    default:
      return nlohmann::json();
  }
}

void DefaultToProto(const FieldSchema& field, pb::ValueField* out) {
  const nlohmann::json& v = field.default_value;
  switch (field.type) {
    case DataType::kBool:
      out->set_bool_data(v.get<bool>());
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      out->set_int_data(v.get<int32_t>());
      break;
    case DataType::kInt64:
      out->set_long_data(v.get<int64_t>());
      break;
    case DataType::kFloat:
      out->set_float_data(v.get<float>());
      break;
    case DataType::kDouble:
      out->set_double_data(v.get<double>());
      break;
    case DataType::kVarChar:
      out->set_string_data(v.get<std::string>());
      break;
    default:
      break;
  }
}

Result<Column> ColumnFromFieldData(const FieldSchema& field, const pb::FieldData& fd) {
  ASSIGN_OR_RETURN(Column col, ValuesFromFieldData(field, fd));
  if (fd.valid_data_size() > 0) RETURN_IF_ERROR(ApplyValidData(field, fd, col));
  return col;
}

Result<Column> ValuesFromFieldData(const FieldSchema& field, const pb::FieldData& fd) {
  Column col(field.field_id, field.type, field.dim);
  if (IsVectorType(field.type)) {
    if (!fd.has_vectors()) return TypeMismatch(field, "scalar data");
    const pb::VectorField& v = fd.vectors();
    if (v.dim() != field.dim)
      return InvalidArgument(
          fmt::format("the dim ({}) of field data ({}) is not equal to schema "
                      "dim ({})",
                      v.dim(), field.name, field.dim));
    if (field.type == DataType::kFloatVector) {
      if (v.data_case() != pb::VectorField::kFloatVector)
        return TypeMismatch(field, "non-float vectors");
      const auto& data = v.float_vector().data();
      if (data.size() % field.dim != 0)
        return InvalidArgument(fmt::format("field '{}': {} floats is not a multiple of dim {}",
                                           field.name, data.size(), field.dim));
      col.values<float>().assign(data.begin(), data.end());
    } else {
      if (v.data_case() != pb::VectorField::kBinaryVector)
        return TypeMismatch(field, "non-binary vectors");
      const std::string& data = v.binary_vector();
      if (data.size() % (field.dim / 8) != 0)
        return InvalidArgument(fmt::format("field '{}': {} bytes is not a multiple of dim/8 = {}",
                                           field.name, data.size(), field.dim / 8));
      col.values<uint8_t>().assign(data.begin(), data.end());
    }
    return col;
  }
  if (!fd.has_scalars()) return TypeMismatch(field, "vector data");
  const pb::ScalarField& s = fd.scalars();
  if (field.type == DataType::kArray) return ArrayColumnFromScalars(field, s);
  switch (field.type) {
    case DataType::kBool:
      if (!s.has_bool_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<uint8_t>().assign(s.bool_data().data().begin(), s.bool_data().data().end());
      break;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      if (!s.has_int_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<int32_t>().assign(s.int_data().data().begin(), s.int_data().data().end());
      break;
    case DataType::kInt64:
      if (!s.has_long_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<int64_t>().assign(s.long_data().data().begin(), s.long_data().data().end());
      break;
    case DataType::kFloat:
      if (!s.has_float_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<float>().assign(s.float_data().data().begin(), s.float_data().data().end());
      break;
    case DataType::kDouble:
      if (!s.has_double_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<double>().assign(s.double_data().data().begin(), s.double_data().data().end());
      break;
    case DataType::kVarChar:
      if (!s.has_string_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<std::string>().assign(s.string_data().data().begin(),
                                       s.string_data().data().end());
      break;
    case DataType::kJson:
      if (!s.has_json_data()) return TypeMismatch(field, ScalarKind(s));
      col.values<std::string>().assign(s.json_data().data().begin(), s.json_data().data().end());
      break;
    default:
      return InvalidArgument(fmt::format("field '{}': type {} is not supported", field.name,
                                         DataTypeName(field.type)));
  }
  return col;
}

}  // namespace

KeyValues FromPairs(const KeyValuePairs& kv) {
  KeyValues out;
  for (const auto& p : kv) out.emplace_back(p.key(), p.value());
  return out;
}

void AddPair(KeyValuePairs* out, const std::string& key, const std::string& value) {
  auto* p = out->Add();
  p->set_key(key);
  p->set_value(value);
}

void ToPairs(const KeyValues& kv, KeyValuePairs* out) {
  for (const auto& [k, v] : kv) AddPair(out, k, v);
}

Result<CollectionSchema> SchemaFromProto(const pb::CollectionSchema& proto) {
  CollectionSchema s;
  s.name = proto.name();
  s.description = proto.description();
  s.auto_id = proto.autoid();
  s.enable_dynamic_field = proto.enable_dynamic_field();
  for (const auto& f : proto.fields()) {
    FieldSchema field;
    field.name = f.name();
    field.description = f.description();
    field.type = static_cast<DataType>(f.data_type());
    field.is_primary_key = f.is_primary_key();
    field.auto_id = f.autoid();
    field.is_dynamic = f.is_dynamic();
    field.is_partition_key = f.is_partition_key();
    field.nullable = f.nullable();
    field.element_type = static_cast<DataType>(f.element_type());
    ASSIGN_OR_RETURN(field.default_value, DefaultFromProto(f));
    field.type_params = FromPairs(f.type_params());
    field.index_params = FromPairs(f.index_params());
    s.fields.push_back(std::move(field));
  }
  return s;
}

void SchemaToProto(const CollectionSchema& schema, pb::CollectionSchema* out) {
  out->set_name(schema.name);
  out->set_description(schema.description);
  out->set_autoid(schema.auto_id);
  out->set_enable_dynamic_field(schema.enable_dynamic_field);
  for (const auto& f : schema.fields) {
    if (f.is_dynamic) continue;  // Milvus keeps $meta out of DescribeCollection.
    auto* p = out->add_fields();
    p->set_fieldid(f.field_id);
    p->set_name(f.name);
    p->set_description(f.description);
    p->set_data_type(static_cast<pb::DataType>(f.type));
    p->set_is_primary_key(f.is_primary_key);
    p->set_autoid(f.auto_id);
    p->set_is_partition_key(f.is_partition_key);
    p->set_nullable(f.nullable);
    if (f.type == DataType::kArray) p->set_element_type(static_cast<pb::DataType>(f.element_type));
    if (!f.default_value.is_null()) DefaultToProto(f, p->mutable_default_value());
    KeyValues params = f.type_params;
    // Report the effective dim / max_length even when the client sent them some other way.
    auto ensure = [&](const char* key, int64_t value) {
      for (auto& [k, v] : params)
        if (k == key) return;
      params.emplace_back(key, std::to_string(value));
    };
    if (IsVectorType(f.type)) ensure("dim", f.dim);
    if (f.type == DataType::kVarChar || f.element_type == DataType::kVarChar)
      ensure("max_length", f.max_length);
    if (f.type == DataType::kArray) ensure("max_capacity", f.max_capacity);
    ToPairs(params, p->mutable_type_params());
    ToPairs(f.index_params, p->mutable_index_params());
  }
}

Result<RowBatch> BatchFromFieldData(const CollectionSchema& schema,
                                    const google::protobuf::RepeatedPtrField<pb::FieldData>& data,
                                    int64_t num_rows) {
  RowBatch batch;
  for (const auto& fd : data) {
    const FieldSchema* field =
        fd.is_dynamic() ? schema.DynamicField() : schema.FindField(fd.field_name());
    if (field == nullptr && fd.is_dynamic())
      return InvalidArgument(fmt::format(
          "collection '{}' has no dynamic field (enable_dynamic_field is off); cannot insert "
          "dynamic field data '{}'",
          schema.name, fd.field_name()));
    if (field == nullptr && schema.DynamicField() == nullptr)
      return InvalidArgument(fmt::format(
          "Attempt to insert an unexpected field `{}` to collection '{}' without enabling "
          "dynamic field",
          fd.field_name(), schema.name));
    if (field == nullptr)
      return InvalidArgument(
          fmt::format("field {} does not exist in collection '{}'", fd.field_name(), schema.name));
    if (batch.FindColumn(field->field_id))
      return InvalidArgument(fmt::format("field '{}' is given twice", field->name));
    ASSIGN_OR_RETURN(Column col, ColumnFromFieldData(*field, fd));
    if (num_rows == 0) num_rows = col.size();
    if (col.size() != num_rows)
      return InvalidArgument(fmt::format("field '{}' has {} rows but num_rows is {}", field->name,
                                         col.size(), num_rows));
    batch.columns.push_back(std::move(col));
  }
  batch.num_rows = num_rows;
  return batch;
}

void ColumnToFieldData(const Column& column, const FieldSchema& field, pb::FieldData* out) {
  out->set_type(static_cast<pb::DataType>(field.type));
  out->set_field_name(field.name);
  out->set_field_id(field.field_id);
  out->set_is_dynamic(field.is_dynamic);
  for (uint8_t v : column.validity()) out->add_valid_data(v != 0);
  if (field.type == DataType::kFloatVector) {
    auto* v = out->mutable_vectors();
    v->set_dim(field.dim);
    const auto& src = column.values<float>();
    v->mutable_float_vector()->mutable_data()->Add(src.begin(), src.end());
    return;
  }
  if (field.type == DataType::kBinaryVector) {
    auto* v = out->mutable_vectors();
    v->set_dim(field.dim);
    const auto& src = column.values<uint8_t>();
    v->set_binary_vector(std::string(src.begin(), src.end()));
    return;
  }
  auto* s = out->mutable_scalars();
  switch (field.type) {
    case DataType::kBool: {
      const auto& src = column.values<uint8_t>();
      auto* dst = s->mutable_bool_data()->mutable_data();
      for (uint8_t b : src) dst->Add(b != 0);
      break;
    }
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32: {
      const auto& src = column.values<int32_t>();
      s->mutable_int_data()->mutable_data()->Add(src.begin(), src.end());
      break;
    }
    case DataType::kInt64: {
      const auto& src = column.values<int64_t>();
      s->mutable_long_data()->mutable_data()->Add(src.begin(), src.end());
      break;
    }
    case DataType::kFloat: {
      const auto& src = column.values<float>();
      s->mutable_float_data()->mutable_data()->Add(src.begin(), src.end());
      break;
    }
    case DataType::kDouble: {
      const auto& src = column.values<double>();
      s->mutable_double_data()->mutable_data()->Add(src.begin(), src.end());
      break;
    }
    case DataType::kVarChar: {
      auto* dst = s->mutable_string_data()->mutable_data();
      for (const auto& v : column.values<std::string>()) dst->Add(std::string(v));
      break;
    }
    case DataType::kJson: {
      auto* dst = s->mutable_json_data()->mutable_data();
      for (const auto& v : column.values<std::string>()) dst->Add(std::string(v));
      break;
    }
    case DataType::kArray:
      ArrayColumnToScalars(column, field, s);
      break;
    default:
      break;
  }
}

void ColumnToIds(const Column& column, pb::IDs* out) {
  if (column.type() == DataType::kInt64) {
    const auto& src = column.values<int64_t>();
    out->mutable_int_id()->mutable_data()->Add(src.begin(), src.end());
  } else {
    auto* dst = out->mutable_str_id()->mutable_data();
    for (const auto& v : column.values<std::string>()) dst->Add(std::string(v));
  }
}

}  // namespace strata::api
