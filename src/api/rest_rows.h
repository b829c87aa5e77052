// Rows as the REST API v2 carries them (one JSON object per row, keyed by field name) to and
// from the columns of the Milvus wire messages, so that REST requests run through the same
// MilvusService code as gRPC ones. Everything from the wire is untrusted: a mismatch is
// InvalidArgument naming the row and the field.
#pragma once

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "schema.pb.h"

namespace strata::api {

namespace pb = milvus::proto::schema;

// The columns of `rows` (a JSON array of objects) for an Insert (`with_auto_id_key` false: an
// auto_id primary key must be absent) or an Upsert (true: it must be present). Keys no field
// has go to the dynamic field `$meta` when the schema enables it; otherwise they are an error.
// A missing or null value is a null of a nullable field (or its default); for any other field
// it is an error.
Result<std::vector<pb::FieldData>> FieldDataFromRows(const pb::CollectionSchema& schema,
                                                     const nlohmann::json& rows,
                                                     bool with_auto_id_key);

// How the values of one response row are written.
struct RowFormat {
  // Int64 values as JSON strings: JavaScript numbers lose precision beyond 2^53, so the REST
  // API sends them as strings unless the client says (Accept-Type-Allow-Int64: true) that it
  // parses them exactly.
  bool int64_as_string = true;
};

// Adds row `row` of `column` to `out` under the column's name; the dynamic field's keys are
// added one by one, as the REST API returns them. Rows past the column's end are skipped.
void AddRowValue(const pb::FieldData& column, int64_t row, const RowFormat& format,
                 nlohmann::json* out);

// The number of rows `column` holds.
int64_t ColumnRows(const pb::FieldData& column);

// An Int64 as the format wants it.
nlohmann::json Int64Value(int64_t value, const RowFormat& format);

}  // namespace strata::api
