// Field and collection schemas, their validation, and validation of row batches against them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "schema/column.h"
#include "schema/data_type.h"

namespace strata {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Sets each key of `set` in `kvs` (replacing its value, or appending it), then removes the keys
// in `remove`: how Milvus alters collection and database properties.
void UpdateKeyValues(KeyValues* kvs, const KeyValues& set, const std::vector<std::string>& remove);

inline constexpr int64_t kMaxVectorDim = 32768;
inline constexpr int64_t kMaxVarCharLength = 65535;
inline constexpr int64_t kFirstUserFieldId = 100;  // Milvus: 0 = row id, 1 = timestamp.
// The hidden JSON field that holds the keys of an enable_dynamic_field collection that are not
// in the schema, one JSON object per row.
inline constexpr std::string_view kDynamicFieldName = "$meta";

struct FieldSchema {
  int64_t field_id = 0;
  std::string name;
  std::string description;
  DataType type = DataType::kNone;
  bool is_primary_key = false;
  bool auto_id = false;
  bool is_dynamic = false;
  bool is_partition_key = false;
  bool nullable = false;
  // A JSON scalar of the field's type (bool, integer, number or string), or null for none.
  // Rows inserted without a value (or with null) take it.
  nlohmann::json default_value;
  int64_t dim = 0;                          // vectors
  int64_t max_length = 0;                   // VarChar, and the elements of a VarChar Array
  DataType element_type = DataType::kNone;  // Array
  int64_t max_capacity = 0;                 // Array: most elements per row
  KeyValues type_params;                    // as the client sent them (dim, max_length, ...)
  KeyValues index_params;

  bool operator==(const FieldSchema&) const = default;
};

struct CollectionSchema {
  std::string name;
  std::string description;
  bool auto_id = false;  // mirrors the primary field's auto_id
  bool enable_dynamic_field = false;
  std::vector<FieldSchema> fields;

  const FieldSchema* FindField(std::string_view field_name) const;
  const FieldSchema* FindField(int64_t field_id) const;
  const FieldSchema& PrimaryField() const;  // Valid only after ValidateSchema.
  // The is_partition_key field (at most one after ValidateSchema), or nullptr.
  const FieldSchema* PartitionKeyField() const;
  const FieldSchema* DynamicField() const;  // The $meta field, or nullptr.
  std::vector<const FieldSchema*> VectorFields() const;

  bool operator==(const CollectionSchema&) const = default;
};

// Checks a schema from a client and completes it: parses dim, max_length and max_capacity out
// of type_params, checks Array fields (element type Bool, Int8..Int64, Float, Double or
// VarChar; max_capacity in [1, 4096]; VarChar elements need max_length; no default value),
// assigns field ids from kFirstUserFieldId, mirrors auto_id, checks nullable and
// default_value (not on the primary key or vectors; defaults of the field's type and not on
// JSON), checks the partition key (unique, Int64 or VarChar, not the primary key), and appends
// the $meta field (JSON, is_dynamic) after the user fields when enable_dynamic_field is set
// (dynamic fields sent by the client are dropped). Errors are InvalidArgument naming the field
// and the rule.
Status ValidateSchema(CollectionSchema& schema);

// Milvus's rule for collection, alias and field names: 1-255 letters, digits and underscores,
// not starting with a digit.
bool IsValidName(std::string_view name);

// Brings a client's batch to the stored shape before ValidateBatch: adds the columns a client
// may leave out (nullable fields: all null; fields with a default: all default; $meta: `{}`
// per row), replaces nulls by the field's default, zeroes the value slots of null rows, treats
// empty text in a nullable JSON field as null, makes
// columns of nullable fields nullable and drops an all-valid validity from the others. A null
// left in a field that is not nullable stays for ValidateBatch to report.
void CompleteBatch(const CollectionSchema& schema, RowBatch& batch);

// Checks a batch against a validated schema: one column per field (the auto_id primary key
// may be absent), types, dims, VarChar lengths, Array cells (element type, well-formed,
// at most max_capacity elements, VarChar elements within max_length, Int8/Int16 in range), equal
// lengths, valid JSON text, nulls only in nullable fields, $meta rows that are JSON objects without
// static field names as keys. Returns InvalidArgument naming the field, row and problem. Nothing is
// modified.
Status ValidateBatch(const CollectionSchema& schema, const RowBatch& batch);

// An empty column of `field`'s type, dim, element type and nullability.
Column ColumnForField(const FieldSchema& field);

nlohmann::json SchemaToJson(const CollectionSchema& schema);
Result<CollectionSchema> SchemaFromJson(const nlohmann::json& json);

}  // namespace strata
