// Pieces shared by search and query: output-field resolution, partition selection and
// per-chunk filtering.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catalog/manifest.h"
#include "engine/collection.h"
#include "expr/expr.h"

namespace strata {

// One row of a snapshot chunk.
struct RowRef {
  const Chunk* chunk;
  int64_t row;
};

// Requested output fields resolved against the schema.
struct OutputFields {
  // Columns to return, in schema order, always including the primary key; the $meta field
  // when the dynamic field or any of its keys is wanted.
  std::vector<const FieldSchema*> fields;
  // Names to report as output_fields: the static fields, "$meta" when it is wanted whole,
  // then the dynamic keys asked for.
  std::vector<std::string> names;
  // With the $meta column but not wanted whole: the keys each row's object is cut down to.
  std::vector<std::string> dynamic_keys;
  bool whole_dynamic = false;
};

// Resolves requested output field names ("*" = every field, the $meta field included) into
// schema fields. With a dynamic field, a name outside the schema is a dynamic key (returned
// inside $meta, as Milvus does); without one it is InvalidArgument naming the field.
Result<OutputFields> ResolveOutputFields(const CollectionSchema& schema,
                                         const std::vector<std::string>& names);

// The gathered columns of `outputs`, with the $meta objects cut down to the requested keys.
RowBatch GatherOutputs(const OutputFields& outputs, const std::vector<RowRef>& rows);

// Milvus's answer to partition names in partition key mode.
inline constexpr const char* kNoPartitionNamesInKeyMode =
    "not support manually specifying the partition names if partition key mode is used";

// Keeps the chunks of the named partitions (all when `names` is empty). NotFound tagged
// kPartitionNotFound for an unknown partition, FailedPrecondition tagged kPartitionNotLoaded for
// one that is not loaded. In partition key mode (`router` not null) names are InvalidArgument,
// and only the partitions `plan` (may be null) can match are kept (PartitionRouter::Prune).
Result<Snapshot> SelectPartitions(const CollectionMeta& meta, const PartitionRouter* router,
                                  const expr::Plan* plan, Snapshot snapshot,
                                  const std::vector<std::string>& names);

// Parses `filter` (nullptr when empty) with the values of its {name} placeholders.
Result<std::shared_ptr<const expr::Plan>> ParseOptionalFilter(
    const std::string& filter, const CollectionSchema& schema,
    const expr::ExprTemplateValues& values = {});

// Rows of the chunk that pass `plan` (all rows when plan is null), are not deleted and have not
// outlived the TTL, as a byte mask.
Result<std::vector<uint8_t>> FilterChunk(const expr::Plan* plan, const SnapshotChunk& chunk,
                                         int64_t pk_field_id);

// A column holding `rows` of the chunks' field `field_id`, in order.
Column GatherColumn(const FieldSchema& field, const std::vector<RowRef>& rows);

}  // namespace strata
