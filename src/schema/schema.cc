#include "schema/schema.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <set>

namespace strata {
namespace {

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

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
    ASSIGN_OR_RETURN(int64_t len, ParamInt(f, "max_length"));
    if (len == 0) len = f.max_length;
    if (len <= 0 || len > kMaxVarCharLength)
      return InvalidArgument(fmt::format("field '{}': max_length must be in [1, {}], got {}",
                                         f.name, kMaxVarCharLength, len));
    f.max_length = len;
  }
  if (f.is_primary_key) {
    if (f.type != DataType::kInt64 && f.type != DataType::kVarChar)
      return InvalidArgument(fmt::format("primary key '{}' must be Int64 or VarChar, got {}",
                                         f.name, DataTypeName(f.type)));
  } else if (f.auto_id) {
    return InvalidArgument(fmt::format("field '{}': auto_id is only for the primary key", f.name));
  }
  return Status::Ok();
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
  if (schema.fields.empty()) return InvalidArgument("schema has no fields");
  std::set<std::string> names;
  int primaries = 0, vectors = 0;
  int64_t next_id = kFirstUserFieldId;
  for (auto& f : schema.fields) {
    if (f.is_dynamic) continue;
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
  if (schema.enable_dynamic_field)
    return InvalidArgument("dynamic fields are not supported yet (enable_dynamic_field)");
  std::erase_if(schema.fields, [](const FieldSchema& f) { return f.is_dynamic; });
  schema.auto_id = schema.PrimaryField().auto_id;
  return Status::Ok();
}

Status ValidateBatch(const CollectionSchema& schema, const RowBatch& batch) {
  for (const auto& f : schema.fields) {
    const Column* c = batch.FindColumn(f.field_id);
    if (c == nullptr) {
      if (f.is_primary_key && f.auto_id) continue;
      return InvalidArgument(fmt::format("missing field '{}' in the inserted data", f.name));
    }
    if (f.is_primary_key && f.auto_id)
      return InvalidArgument(
          fmt::format("field '{}' is an auto_id primary key: do not pass values for it", f.name));
    if (c->type() != f.type)
      return InvalidArgument(fmt::format("field '{}' is {} but the data is {}", f.name,
                                         DataTypeName(f.type), DataTypeName(c->type())));
    if (IsVectorType(f.type) && c->dim() != f.dim)
      return InvalidArgument(
          fmt::format("field '{}': expected dim {}, got {}", f.name, f.dim, c->dim()));
    if (c->size() != batch.num_rows)
      return InvalidArgument(
          fmt::format("field '{}' has {} rows, expected {}", f.name, c->size(), batch.num_rows));
    if (f.type == DataType::kInt8 || f.type == DataType::kInt16) {
      int32_t lo = f.type == DataType::kInt8 ? -128 : -32768;
      int32_t hi = f.type == DataType::kInt8 ? 127 : 32767;
      const auto& v = c->values<int32_t>();
      for (size_t r = 0; r < v.size(); ++r)
        if (v[r] < lo || v[r] > hi)
          return InvalidArgument(fmt::format("field '{}' row {}: {} is out of range for {}", f.name,
                                             r, v[r], DataTypeName(f.type)));
    }
    if (f.type == DataType::kVarChar) {
      const auto& v = c->values<std::string>();
      for (size_t r = 0; r < v.size(); ++r)
        if (static_cast<int64_t>(v[r].size()) > f.max_length)
          return InvalidArgument(fmt::format("field '{}' row {}: length {} exceeds max_length {}",
                                             f.name, r, v[r].size(), f.max_length));
    }
    if (f.type == DataType::kJson) {
      const auto& v = c->values<std::string>();
      for (size_t r = 0; r < v.size(); ++r)
        if (!nlohmann::json::accept(v[r]))
          return InvalidArgument(fmt::format("field '{}' row {}: invalid JSON", f.name, r));
    }
  }
  for (const auto& c : batch.columns)
    if (schema.FindField(c.field_id()) == nullptr)
      return InvalidArgument(fmt::format("unknown field id {} in the data", c.field_id()));
  return Status::Ok();
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
                      {"dim", f.dim},
                      {"max_length", f.max_length},
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
      f.dim = j.at("dim").get<int64_t>();
      f.max_length = j.at("max_length").get<int64_t>();
      f.type_params = j.at("type_params").get<KeyValues>();
      f.index_params = j.at("index_params").get<KeyValues>();
      s.fields.push_back(std::move(f));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return DataLoss(std::string("malformed schema JSON: ") + e.what());
  }
}

}  // namespace strata
