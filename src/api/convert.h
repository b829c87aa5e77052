// Conversions between Milvus wire messages and Strata's schema and column types.
// Everything from the wire is untrusted: every mismatch is InvalidArgument naming the field.
#pragma once

#include <google/protobuf/repeated_field.h>

#include "common.pb.h"
#include "common/result.h"
#include "schema.pb.h"
#include "schema/schema.h"

namespace strata::api {

namespace pb = milvus::proto::schema;

using KeyValuePairs = google::protobuf::RepeatedPtrField<milvus::proto::common::KeyValuePair>;

KeyValues FromPairs(const KeyValuePairs& kv);
void AddPair(KeyValuePairs* out, const std::string& key, const std::string& value);
void ToPairs(const KeyValues& kv, KeyValuePairs* out);

Result<CollectionSchema> SchemaFromProto(const pb::CollectionSchema& proto);
void SchemaToProto(const CollectionSchema& schema, pb::CollectionSchema* out);

// Builds a batch from an Insert's columns, matched to the schema by field name. `num_rows`
// is the request's count (0 = take it from the columns).
Result<RowBatch> BatchFromFieldData(const CollectionSchema& schema,
                                    const google::protobuf::RepeatedPtrField<pb::FieldData>& data,
                                    int64_t num_rows);

void ColumnToFieldData(const Column& column, const FieldSchema& field, pb::FieldData* out);
void ColumnToIds(const Column& column, pb::IDs* out);

}  // namespace strata::api
