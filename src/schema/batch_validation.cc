// CompleteBatch and ValidateBatch (schema/schema.h): a client's rows brought to the stored
// shape and checked against the schema before anything is written.
#include <fmt/format.h>

#include "schema/array_cell.h"
#include "schema/schema.h"

namespace strata {
namespace {

// Writes `value` (a default that passed ValidateSchema, or null for the placeholder) into row
// `row` of `column`.
void SetScalar(Column& column, int64_t row, const nlohmann::json& value) {
  std::visit(
      [&](auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if (value.is_null()) {
          v[row] = T{};
        } else if constexpr (std::is_same_v<T, uint8_t>) {
          v[row] = value.get<bool>() ? 1 : 0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          v[row] = value.get<std::string>();
        } else {
          v[row] = value.get<T>();
        }
      },
      column.raw());
}

// A column of `rows` rows for a field the client left out: all default, or all null.
Column MissingColumn(const FieldSchema& field, int64_t rows) {
  Column column = ColumnForField(field);
  column.SetNullable(false);
  std::visit([&](auto& v) { v.resize(rows * column.width()); }, column.raw());
  if (field.is_dynamic) {
    for (int64_t r = 0; r < rows; ++r) SetScalar(column, r, "{}");
  } else if (!field.default_value.is_null()) {
    for (int64_t r = 0; r < rows; ++r) SetScalar(column, r, field.default_value);
  } else {
    column.SetNullable(true);
    std::fill(column.validity().begin(), column.validity().end(), 0);
  }
  if (field.nullable && !column.nullable()) column.SetNullable(true);
  return column;
}

Status CheckDynamicRows(const CollectionSchema& schema, const FieldSchema& f, const Column& c) {
  const auto& rows = c.values<std::string>();
  for (size_t r = 0; r < rows.size(); ++r) {
    auto doc = nlohmann::json::parse(rows[r], nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object())
      return InvalidArgument(
          fmt::format("field '{}' row {}: the dynamic field must hold a JSON object", f.name, r));
    for (const auto& [key, value] : doc.items())
      if (const FieldSchema* other = schema.FindField(key); other != nullptr)
        return InvalidArgument(fmt::format(
            "row {}: dynamic key '{}' is also a field of the schema; pass it as that field", r,
            other->name));
  }
  return Status::Ok();
}

// Each non-null row: a well-formed cell of at most max_capacity elements; VarChar elements
// within max_length.
Status CheckArrayRows(const FieldSchema& f, const Column& c) {
  if (c.element_type() != f.element_type)
    return InvalidArgument(fmt::format("array field '{}' holds {} elements but the data is {}",
                                       f.name, DataTypeName(f.element_type),
                                       DataTypeName(c.element_type())));
  const auto& cells = c.values<std::string>();
  for (size_t r = 0; r < cells.size(); ++r) {
    if (c.IsNull(static_cast<int64_t>(r))) continue;
    int64_t length = 0;
    Status st = CheckArrayCell(f.element_type, cells[r], &length);
    if (!st.ok())
      return InvalidArgument(fmt::format("field '{}' row {}: {}", f.name, r, st.message()));
    if (length > f.max_capacity)
      return InvalidArgument(
          fmt::format("field '{}' row {}: array length {} exceeds max_capacity {}", f.name, r,
                      length, f.max_capacity));
    if (f.element_type != DataType::kVarChar) continue;
    int64_t index = 0;
    Status too_long = Status::Ok();
    ForEachArrayString(cells[r], [&](std::string_view element) {
      if (static_cast<int64_t>(element.size()) > f.max_length)
        too_long = InvalidArgument(
            fmt::format("field '{}' row {}: array element {} has length {}, exceeding "
                        "max_length {}",
                        f.name, r, index, element.size(), f.max_length));
      ++index;
      return too_long.ok();
    });
    RETURN_IF_ERROR(too_long);
  }
  return Status::Ok();
}

}  // namespace

void CompleteBatch(const CollectionSchema& schema, RowBatch& batch) {
  for (const auto& f : schema.fields) {
    Column* c = batch.FindColumn(f.field_id);
    if (c == nullptr) {
      if (f.nullable || f.is_dynamic || !f.default_value.is_null())
        batch.columns.push_back(MissingColumn(f, batch.num_rows));
      continue;
    }
    if (!c->nullable() && f.nullable) c->SetNullable(true);
    if (f.nullable && f.type == DataType::kJson) {
      // Empty text is never JSON; the Node SDK sends a null JSON value that way.
      const auto& texts = c->values<std::string>();
      for (size_t r = 0; r < texts.size() && r < c->validity().size(); ++r)
        if (texts[r].empty()) c->validity()[r] = 0;
    }
    if (!c->nullable()) continue;
    if (c->size() != static_cast<int64_t>(c->validity().size()))
      continue;  // ValidateBatch reports the row count.
    for (int64_t r = 0; r < c->size() && !IsVectorType(c->type()); ++r) {
      if (!c->IsNull(r)) continue;
      SetScalar(*c, r, f.default_value);
      if (!f.default_value.is_null()) c->validity()[r] = 1;
    }
    if (!f.nullable && c->NullCount() == 0) c->SetNullable(false);
  }
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
    if (c->nullable() && static_cast<int64_t>(c->validity().size()) != batch.num_rows)
      return InvalidArgument(fmt::format("field '{}' has {} validity flags, expected {}", f.name,
                                         c->validity().size(), batch.num_rows));
    if (c->nullable() != f.nullable) {
      int64_t row = 0;
      while (row < c->size() && !c->IsNull(row)) ++row;
      return InvalidArgument(
          fmt::format("field '{}' row {}: null value, but the field is not nullable and has no "
                      "default value",
                      f.name, row));
    }
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
    if (f.type == DataType::kArray) RETURN_IF_ERROR(CheckArrayRows(f, *c));
    if (f.type == DataType::kJson) {
      const auto& v = c->values<std::string>();
      for (size_t r = 0; r < v.size(); ++r)
        if (!c->IsNull(static_cast<int64_t>(r)) && !nlohmann::json::accept(v[r]))
          return InvalidArgument(fmt::format("field '{}' row {}: invalid JSON", f.name, r));
      if (f.is_dynamic) RETURN_IF_ERROR(CheckDynamicRows(schema, f, *c));
    }
  }
  for (const auto& c : batch.columns)
    if (schema.FindField(c.field_id()) == nullptr)
      return InvalidArgument(fmt::format("unknown field id {} in the data", c.field_id()));
  return Status::Ok();
}

}  // namespace strata
