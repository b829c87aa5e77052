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

inline constexpr int64_t kMaxVectorDim = 32768;
inline constexpr int64_t kMaxVarCharLength = 65535;
inline constexpr int64_t kFirstUserFieldId = 100;  // Milvus: 0 = row id, 1 = timestamp.

struct FieldSchema {
  int64_t field_id = 0;
  std::string name;
  std::string description;
  DataType type = DataType::kNone;
  bool is_primary_key = false;
  bool auto_id = false;
  bool is_dynamic = false;
  bool is_partition_key = false;
  int64_t dim = 0;         // vectors
  int64_t max_length = 0;  // VarChar
  KeyValues type_params;   // as the client sent them (dim, max_length, ...)
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
  std::vector<const FieldSchema*> VectorFields() const;

  bool operator==(const CollectionSchema&) const = default;
};

// Checks a schema from a client and completes it: parses dim and max_length out of
// type_params, assigns field ids from kFirstUserFieldId, mirrors auto_id. Errors are
// InvalidArgument naming the field and the rule (a partition key field must be unique, Int64
// or VarChar, and not the primary key).
Status ValidateSchema(CollectionSchema& schema);

// Checks a batch against a validated schema: one column per field (the auto_id primary key
// may be absent), types, dims, VarChar lengths, equal lengths, valid JSON text. Returns
// InvalidArgument naming the field, row and problem. Nothing is modified.
Status ValidateBatch(const CollectionSchema& schema, const RowBatch& batch);

nlohmann::json SchemaToJson(const CollectionSchema& schema);
Result<CollectionSchema> SchemaFromJson(const nlohmann::json& json);

}  // namespace strata
