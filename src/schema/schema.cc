#include "schema/schema.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "schema/array_cell.h"

namespace strata {

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

namespace {

Result<int64_t> ParamInt(const FieldSchema& field, std::string_view key) {
  for (const auto& [k, v] : field.type_params) {
    if (k != key) continue;
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (ec != std::errc() || ptr != v.data() + v.size())
      return InvalidArgument(
          fmt::format("field '{}': {} must be an integer, got '{}'", field.name, key, v));
    return out;
  }
  return int64_t{0};
}

// Whether `value` is a valid value of the scalar field `f` (type, integer range, length).
bool DefaultFits(const FieldSchema& f, const nlohmann::json& value) {
  switch (f.type) {
    case DataType::kBool:
      return value.is_boolean();
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64: {
      if (!value.is_number_integer()) return false;
      if (f.type == DataType::kInt64) return true;
      int64_t bits = f.type == DataType::kInt8 ? 8 : f.type == DataType::kInt16 ? 16 : 32;
      int64_t hi = (int64_t{1} << (bits - 1)) - 1;
      if (value.is_number_unsigned()) return value.get<uint64_t>() <= static_cast<uint64_t>(hi);
      int64_t v = value.get<int64_t>();
      return v >= -hi - 1 && v <= hi;
    }
    case DataType::kFloat:
    case DataType::kDouble:
      return value.is_number();
    case DataType::kVarChar:
      return value.is_string() &&
             static_cast<int64_t>(value.get_ref<const std::string&>().size()) <= f.max_length;
    default:
      return false;
  }
}

Status ValidateNullableAndDefault(const FieldSchema& f) {
  bool has_default = !f.default_value.is_null();
  if (f.nullable && f.is_primary_key)
    return InvalidArgument(fmt::format("primary key '{}' cannot be nullable", f.name));
  if (f.nullable && IsVectorType(f.type))
    return InvalidArgument(
        fmt::format("vector field '{}' ({}) cannot be nullable", f.name, DataTypeName(f.type)));
  if (!has_default) return Status::Ok();
  if (f.is_primary_key)
    return InvalidArgument(fmt::format("primary key '{}' cannot have a default value", f.name));
  if (IsVectorType(f.type) || f.type == DataType::kJson || f.type == DataType::kArray)
    return InvalidArgument(fmt::format("field '{}': {} fields cannot have a default value", f.name,
                                       DataTypeName(f.type)));
  if (!DefaultFits(f, f.default_value))
    return InvalidArgument(fmt::format("field '{}': default value {} does not fit type {}{}",
                                       f.name, f.default_value.dump(), DataTypeName(f.type),
                                       f.type == DataType::kVarChar ? " and max_length" : ""));
  return Status::Ok();
}

Result<int64_t> MaxLength(const FieldSchema& f) {
  ASSIGN_OR_RETURN(int64_t len, ParamInt(f, "max_length"));
  if (len == 0) len = f.max_length;
  if (len <= 0 || len > kMaxVarCharLength)
    return InvalidArgument(fmt::format("field '{}': max_length must be in [1, {}], got {}", f.name,
                                       kMaxVarCharLength, len));
  return len;
}

// Milvus's rules: a scalar element type, max_capacity in (0, 4096], max_length for VarChar.
Status ValidateArrayField(FieldSchema& f) {
  if (!IsArrayElementType(f.element_type))
    return InvalidArgument(fmt::format(
        "array field '{}': element type {} is not supported; use Bool, Int8, Int16, Int32, "
        "Int64, Float, Double or VarChar",
        f.name, DataTypeName(f.element_type)));
  ASSIGN_OR_RETURN(int64_t capacity, ParamInt(f, "max_capacity"));
  if (capacity == 0) capacity = f.max_capacity;
  if (capacity == 0)
    return InvalidArgument(
        fmt::format("type param(max_capacity) should be specified for array field '{}'", f.name));
  if (capacity < 0 || capacity > kMaxArrayCapacity)
    return InvalidArgument(fmt::format("array field '{}': max_capacity must be in [1, {}], got {}",
                                       f.name, kMaxArrayCapacity, capacity));
  f.max_capacity = capacity;
  if (f.element_type == DataType::kVarChar) {
    ASSIGN_OR_RETURN(f.max_length, MaxLength(f));
  }
  return Status::Ok();
}

Status ValidateField(FieldSchema& f) {
  if (!IsValidName(f.name))
    return InvalidArgument(fmt::format(
        "invalid field name '{}': use letters, digits and underscores, starting with a letter "
        "or underscore",
        f.name));
  if (!IsSupportedType(f.type))
    return InvalidArgument(
        fmt::format("field '{}': data type {} is not supported", f.name, DataTypeName(f.type)));
  if (IsVectorType(f.type)) {
    ASSIGN_OR_RETURN(int64_t dim, ParamInt(f, "dim"));
    if (dim == 0) dim = f.dim;
    if (dim <= 0 || dim > kMaxVectorDim)
      return InvalidArgument(
          fmt::format("field '{}': dim must be in [1, {}], got {}", f.name, kMaxVectorDim, dim));
    if (f.type == DataType::kBinaryVector && dim % 8 != 0)
      return InvalidArgument(fmt::format(
          "field '{}': binary vector dim must be a multiple of 8, got {}", f.name, dim));
    f.dim = dim;
  }
  if (f.type == DataType::kVarChar) {
    ASSIGN_OR_RETURN(f.max_length, MaxLength(f));
  }
  if (f.type == DataType::kArray) {
    RETURN_IF_ERROR(ValidateArrayField(f));
  } else {
    f.element_type = DataType::kNone;
  }
  if (f.is_primary_key) {
    if (f.type != DataType::kInt64 && f.type != DataType::kVarChar)
      return InvalidArgument(fmt::format("primary key '{}' must be Int64 or VarChar, got {}",
                                         f.name, DataTypeName(f.type)));
  } else if (f.auto_id) {
    return InvalidArgument(fmt::format("field '{}': auto_id is only for the primary key", f.name));
  }
  return ValidateNullableAndDefault(f);
}

// Milvus's rules and wording: one key field at most, Int64 or VarChar, not the primary key.
Status ValidatePartitionKey(const CollectionSchema& schema) {
  const FieldSchema* key = nullptr;
  for (const auto& f : schema.fields) {
    if (!f.is_partition_key) continue;
    if (key != nullptr)
      return InvalidArgument(fmt::format(
          "there are more than one partition key, field name = {}, {}", key->name, f.name));
    if (f.is_primary_key)
      return InvalidArgument("the partition key field must not be primary field");
    if (f.type != DataType::kInt64 && f.type != DataType::kVarChar)
      return InvalidArgument(
          fmt::format("the data type of partition key should be Int64 or VarChar, field '{}' is {}",
                      f.name, DataTypeName(f.type)));
    if (f.nullable)
      return InvalidArgument(
          fmt::format("partition key field not support nullable, field '{}'", f.name));
    key = &f;
  }
  return Status::Ok();
}

}  // namespace

const FieldSchema* CollectionSchema::FindField(std::string_view field_name) const {
  for (const auto& f : fields)
    if (f.name == field_name) return &f;
  return nullptr;
}

const FieldSchema* CollectionSchema::FindField(int64_t field_id) const {
  for (const auto& f : fields)
    if (f.field_id == field_id) return &f;
  return nullptr;
}

const FieldSchema& CollectionSchema::PrimaryField() const {
  for (const auto& f : fields)
    if (f.is_primary_key) return f;
  return fields.front();
}

const FieldSchema* CollectionSchema::PartitionKeyField() const {
  for (const auto& f : fields)
    if (f.is_partition_key) return &f;
  return nullptr;
}

const FieldSchema* CollectionSchema::DynamicField() const {
  for (const auto& f : fields)
    if (f.is_dynamic) return &f;
  return nullptr;
}

std::vector<const FieldSchema*> CollectionSchema::VectorFields() const {
  std::vector<const FieldSchema*> out;
  for (const auto& f : fields)
    if (IsVectorType(f.type)) out.push_back(&f);
  return out;
}

Status ValidateSchema(CollectionSchema& schema) {
  if (!IsValidName(schema.name))
    return InvalidArgument(fmt::format(
        "invalid collection name '{}': use letters, digits and underscores, starting with a "
        "letter or underscore",
        schema.name));
  // Only the server defines the dynamic field; one sent by a client is replaced.
  std::erase_if(schema.fields, [](const FieldSchema& f) { return f.is_dynamic; });
  if (schema.fields.empty()) return InvalidArgument("schema has no fields");
  std::set<std::string> names;
  int primaries = 0, vectors = 0;
  int64_t next_id = kFirstUserFieldId;
  for (auto& f : schema.fields) {
    RETURN_IF_ERROR(ValidateField(f));
    if (!names.insert(f.name).second)
      return InvalidArgument(fmt::format("duplicate field name '{}'", f.name));
    if (f.is_primary_key) {
      ++primaries;
      f.auto_id = f.auto_id || schema.auto_id;
    }
    if (IsVectorType(f.type)) ++vectors;
    f.field_id = next_id++;
  }
  if (primaries != 1)
    return InvalidArgument(
        fmt::format("schema must have exactly one primary key field, found {}", primaries));
  RETURN_IF_ERROR(ValidatePartitionKey(schema));
  if (vectors == 0) return InvalidArgument("schema must have at least one vector field");
  if (schema.enable_dynamic_field) {
    FieldSchema meta;
    meta.field_id = next_id;
    meta.name = std::string(kDynamicFieldName);
    meta.description = "dynamic field";
    meta.type = DataType::kJson;
    meta.is_dynamic = true;
    schema.fields.push_back(std::move(meta));
  }
  schema.auto_id = schema.PrimaryField().auto_id;
  return Status::Ok();
}

Column ColumnForField(const FieldSchema& field) {
  return Column(field.field_id, field.type, field.dim, field.nullable,
                field.type == DataType::kArray ? field.element_type : DataType::kNone);
}

nlohmann::json SchemaToJson(const CollectionSchema& schema) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& f : schema.fields) {
    fields.push_back({{"field_id", f.field_id},
                      {"name", f.name},
                      {"description", f.description},
                      {"type", static_cast<int32_t>(f.type)},
                      {"is_primary_key", f.is_primary_key},
                      {"auto_id", f.auto_id},
                      {"is_partition_key", f.is_partition_key},
                      {"is_dynamic", f.is_dynamic},
                      {"nullable", f.nullable},
                      {"default_value", f.default_value},
                      {"dim", f.dim},
                      {"max_length", f.max_length},
                      {"element_type", static_cast<int32_t>(f.element_type)},
                      {"max_capacity", f.max_capacity},
                      {"type_params", f.type_params},
                      {"index_params", f.index_params}});
  }
  return {{"name", schema.name},
          {"description", schema.description},
          {"auto_id", schema.auto_id},
          {"enable_dynamic_field", schema.enable_dynamic_field},
          {"fields", fields}};
}

Result<CollectionSchema> SchemaFromJson(const nlohmann::json& json) {
  try {
    CollectionSchema s;
    s.name = json.at("name").get<std::string>();
    s.description = json.at("description").get<std::string>();
    s.auto_id = json.at("auto_id").get<bool>();
    s.enable_dynamic_field = json.at("enable_dynamic_field").get<bool>();
    for (const auto& j : json.at("fields")) {
      FieldSchema f;
      f.field_id = j.at("field_id").get<int64_t>();
      f.name = j.at("name").get<std::string>();
      f.description = j.at("description").get<std::string>();
      f.type = static_cast<DataType>(j.at("type").get<int32_t>());
      f.is_primary_key = j.at("is_primary_key").get<bool>();
      f.auto_id = j.at("auto_id").get<bool>();
      f.is_partition_key = j.at("is_partition_key").get<bool>();
      // Absent from schemas written before nullable and dynamic fields existed.
      f.is_dynamic = j.value("is_dynamic", false);
      f.nullable = j.value("nullable", false);
      f.default_value = j.value("default_value", nlohmann::json());
      f.dim = j.at("dim").get<int64_t>();
      f.max_length = j.at("max_length").get<int64_t>();
      // Absent from schemas written before Array fields existed.
      f.element_type = static_cast<DataType>(j.value("element_type", 0));
      f.max_capacity = j.value("max_capacity", int64_t{0});
      f.type_params = j.at("type_params").get<KeyValues>();
      f.index_params = j.at("index_params").get<KeyValues>();
      s.fields.push_back(std::move(f));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return DataLoss(std::string("malformed schema JSON: ") + e.what());
  }
}

void UpdateKeyValues(KeyValues* kvs, const KeyValues& set, const std::vector<std::string>& remove) {
  for (const auto& entry : set) {
    auto it = std::find_if(kvs->begin(), kvs->end(),
                           [&](const auto& kv) { return kv.first == entry.first; });
    if (it != kvs->end())
      it->second = entry.second;
    else
      kvs->push_back(entry);
  }
  std::erase_if(*kvs, [&](const auto& kv) {
    return std::find(remove.begin(), remove.end(), kv.first) != remove.end();
  });
}

}  // namespace strata
