// Engine::Query: filter every chunk of a snapshot, then the page (offset, limit) in primary key
// order, then gather its fields.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <optional>
#include <string_view>
#include <utility>

#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/read_common.h"

namespace strata {
namespace {

// Keeps the rows at positions [begin, end) of `rows` ordered by `keys` (one per row).
template <typename Key>
void KeepSortedRange(const std::vector<Key>& keys, size_t begin, size_t end,
                     std::vector<RowRef>* rows) {
  std::vector<size_t> order(rows->size());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(end), order.end(),
                    [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<RowRef> page;
  page.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) page.push_back((*rows)[order[i]]);
  *rows = std::move(page);
}

// Keeps rows offset+1 .. offset+limit of `rows` in primary key order, as Milvus answers queries:
// pages then follow one stable order, which the SDKs' query iterators rely on (each page asks
// for keys above the last one it got).
void TakePageByPrimaryKey(const FieldSchema& pk, int64_t offset, std::optional<int64_t> limit,
                          std::vector<RowRef>* rows) {
  const size_t begin = std::min<size_t>(static_cast<size_t>(offset), rows->size());
  const size_t end =
      limit ? std::min<size_t>(begin + static_cast<size_t>(*limit), rows->size()) : rows->size();
  // Rows of one chunk come together: look its key column up once.
  const Chunk* chunk = nullptr;
  const Column* column = nullptr;
  auto KeyColumn = [&](const RowRef& ref) {
    if (ref.chunk != chunk) {
      chunk = ref.chunk;
      column = chunk->rows.FindColumn(pk.field_id);
    }
    return column;
  };
  if (pk.type == DataType::kInt64) {
    std::vector<int64_t> keys;
    keys.reserve(rows->size());
    for (const RowRef& ref : *rows) keys.push_back(KeyColumn(ref)->values<int64_t>()[ref.row]);
    KeepSortedRange(keys, begin, end, rows);
  } else {
    std::vector<std::string_view> keys;
    keys.reserve(rows->size());
    for (const RowRef& ref : *rows) keys.push_back(KeyColumn(ref)->values<std::string>()[ref.row]);
    KeepSortedRange(keys, begin, end, rows);
  }
}

}  // namespace

Result<QueryResult> Engine::Query(const QueryRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(auto shared_meta, MetaOf(*collection, req.collection));
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
  std::vector<RowRef> rows;  // every match, then the page
  for (const auto& sc : snapshot) {
    ASSIGN_OR_RETURN(std::vector<uint8_t> mask,
                     FilterChunk(plan.get(), sc, schema.PrimaryField().field_id));
    for (int64_t r = 0; r < sc.chunk->num_rows(); ++r) {
      if (!mask[r]) continue;
      if (is_count)
        ++result.count;
      else
        rows.push_back({sc.chunk.get(), r});
    }
  }
  if (!is_count) TakePageByPrimaryKey(schema.PrimaryField(), req.offset, req.limit, &rows);
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
