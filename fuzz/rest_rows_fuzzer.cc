// libFuzzer target for the REST API's rows (src/api/rest_rows.h): request bodies come from the
// network, so any JSON must be turned into columns or rejected without a crash, and the columns
// accepted must each hold one value per row (a column of another length would be a batch the
// gRPC path cannot take). The rows are then written back as JSON, as a query answer would be.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "api/rest_rows.h"

namespace {

namespace pb = milvus::proto::schema;

void AddField(pb::CollectionSchema* schema, const char* name, pb::DataType type,
              pb::DataType element = pb::None, const char* param = nullptr,
              const char* value = nullptr) {
  pb::FieldSchema* f = schema->add_fields();
  f->set_name(name);
  f->set_data_type(type);
  f->set_element_type(element);
  if (param != nullptr) {
    auto* kv = f->add_type_params();
    kv->set_key(param);
    kv->set_value(value);
  }
}

pb::CollectionSchema Schema(bool auto_id, bool dynamic) {
  pb::CollectionSchema schema;
  AddField(&schema, "id", pb::Int64);
  schema.mutable_fields(0)->set_is_primary_key(true);
  schema.mutable_fields(0)->set_autoid(auto_id);
  AddField(&schema, "b", pb::Bool);
  AddField(&schema, "i8", pb::Int8);
  AddField(&schema, "i32", pb::Int32);
  schema.mutable_fields(3)->set_nullable(true);
  AddField(&schema, "f", pb::Float);
  AddField(&schema, "d", pb::Double);
  AddField(&schema, "s", pb::VarChar, pb::None, "max_length", "16");
  AddField(&schema, "j", pb::JSON);
  AddField(&schema, "a", pb::Array, pb::Int64, "max_capacity", "4");
  AddField(&schema, "as", pb::Array, pb::VarChar, "max_length", "8");
  AddField(&schema, "v", pb::FloatVector, pb::None, "dim", "4");
  AddField(&schema, "bv", pb::BinaryVector, pb::None, "dim", "16");
  schema.set_enable_dynamic_field(dynamic);
  return schema;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  nlohmann::json rows = nlohmann::json::parse(text, nullptr, false);
  if (rows.is_discarded()) return 0;
  const pb::CollectionSchema schema = Schema(flags & 1, flags & 2);
  auto columns = strata::api::FieldDataFromRows(schema, rows, flags & 4);
  if (!columns.ok()) return 0;
  const auto n = static_cast<int64_t>(rows.size());
  for (const pb::FieldData& column : *columns) {
    if (strata::api::ColumnRows(column) != n) __builtin_trap();
    if (column.valid_data_size() != 0 && column.valid_data_size() != n) __builtin_trap();
  }
  strata::api::RowFormat format;
  format.int64_as_string = flags & 8;
  for (int64_t r = 0; r < n; ++r) {
    nlohmann::json out = nlohmann::json::object();
    for (const pb::FieldData& column : *columns) strata::api::AddRowValue(column, r, format, &out);
    (void)out.dump();
  }
  return 0;
}
