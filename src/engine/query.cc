// Engine::Query: filter every chunk of a snapshot, then limit/offset and gather fields.
#include <fmt/format.h>

#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/read_common.h"

namespace strata {

Result<QueryResult> Engine::Query(const QueryRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(auto shared_meta, Meta(req.collection));
  const CollectionMeta& meta = *shared_meta;
  const CollectionSchema& schema = collection->schema();

  bool is_count = false;
  std::vector<std::string> names;
  for (const auto& name : req.output_fields) {
    if (name == "count(*)")
      is_count = true;
    else
      names.push_back(name);
  }
  if (is_count && !names.empty())
    return InvalidArgument("count(*) cannot be combined with other output fields");
  if (is_count && (req.limit || req.offset))
    return InvalidArgument("count(*) does not take limit or offset");
  bool empty_filter = req.filter.find_first_not_of(" \t\r\n") == std::string::npos;
  if (empty_filter && !is_count && !req.limit)
    return InvalidArgument("empty expression should be used with limit");
  if (req.limit && (*req.limit < 0 || *req.limit > 16384))
    return InvalidArgument(
        fmt::format("limit should be in range [0, 16384], but got {}", *req.limit));
  if (req.offset < 0) return InvalidArgument("offset must not be negative");

  ASSIGN_OR_RETURN(auto outputs, ResolveOutputFields(schema, names));
  ASSIGN_OR_RETURN(auto plan, ParseOptionalFilter(req.filter, schema, req.filter_values));
  ASSIGN_OR_RETURN(Snapshot snapshot, collection->TakeSnapshot());
  ASSIGN_OR_RETURN(snapshot, SelectPartitions(meta, collection->router(), plan.get(),
                                              std::move(snapshot), req.partitions));

  QueryResult result;
  std::vector<RowRef> rows;
  int64_t skip = req.offset;
  int64_t want = req.limit ? *req.limit : INT64_MAX;
  for (const auto& sc : snapshot) {
    if (!is_count && static_cast<int64_t>(rows.size()) >= want) break;
    ASSIGN_OR_RETURN(std::vector<uint8_t> mask,
                     FilterChunk(plan.get(), sc, schema.PrimaryField().field_id));
    for (int64_t r = 0; r < sc.chunk->num_rows(); ++r) {
      if (!mask[r]) continue;
      if (is_count) {
        ++result.count;
        continue;
      }
      if (skip > 0) {
        --skip;
        continue;
      }
      if (static_cast<int64_t>(rows.size()) >= want) break;
      rows.push_back({sc.chunk.get(), r});
    }
  }
  if (is_count) {
    result.is_count = true;
    Column count(0, DataType::kInt64);
    count.values<int64_t>().push_back(result.count);
    result.fields.num_rows = 1;
    result.fields.columns.push_back(std::move(count));
    result.output_fields.push_back("count(*)");
    return result;
  }
  result.fields = GatherOutputs(outputs, rows);
  result.output_fields = outputs.names;
  return result;
}

}  // namespace strata
