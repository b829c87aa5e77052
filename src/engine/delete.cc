// Engine::Delete and Engine::Upsert.
#include <fmt/format.h>

#include <set>

#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/read_common.h"

namespace strata {
namespace {

// The keys of every visible row of `snapshot` that passes `plan`, each once.
Result<Column> MatchingKeys(const expr::Plan& plan, const Snapshot& snapshot,
                            const FieldSchema& pk) {
  Column keys(pk.field_id, pk.type);
  std::set<int64_t> seen_ints;
  std::set<std::string> seen_strings;
  for (const auto& sc : snapshot) {
    ASSIGN_OR_RETURN(std::vector<uint8_t> mask, FilterChunk(&plan, sc, pk.field_id));
    const Column& pks = *sc.chunk->rows.FindColumn(pk.field_id);
    for (int64_t r = 0; r < sc.chunk->num_rows(); ++r) {
      if (!mask[r]) continue;
      bool fresh = pk.type == DataType::kInt64
                       ? seen_ints.insert(pks.values<int64_t>()[r]).second
                       : seen_strings.insert(pks.values<std::string>()[r]).second;
      if (fresh) keys.AppendRow(pks, r);
    }
  }
  return keys;
}

}  // namespace

Result<DeleteResult> Engine::Delete(const DeleteRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(CollectionMeta meta, DescribeCollection(req.collection));
  const CollectionSchema& schema = collection->schema();
  const FieldSchema& pk = schema.PrimaryField();
  int64_t scope = kAllPartitions;
  if (!req.partition.empty() && collection->router())
    return InvalidArgument(kNoPartitionNamesInKeyMode);
  if (!req.partition.empty()) {
    ASSIGN_OR_RETURN(scope, PartitionId(meta, req.partition));
  }
  if (req.filter.find_first_not_of(" \t\r\n") == std::string::npos)
    return InvalidArgument("delete needs a filter expression (expr is empty)");
  ASSIGN_OR_RETURN(auto plan, ParseOptionalFilter(req.filter, schema, req.filter_values));

  DeleteResult result;
  if (auto lookup = expr::PrimaryKeyLookup(*plan)) {
    // Deleting listed keys needs no read, so it works on a released collection (as in Milvus).
    result.ids = Column(pk.field_id, pk.type);
    if (pk.type == DataType::kInt64)
      result.ids.values<int64_t>() = std::get<std::vector<int64_t>>(*lookup);
    else
      result.ids.values<std::string>() = std::get<std::vector<std::string>>(*lookup);
  } else {
    ASSIGN_OR_RETURN(Snapshot snapshot, collection->TakeSnapshot());
    std::vector<std::string> partitions;
    if (!req.partition.empty()) partitions.push_back(req.partition);
    ASSIGN_OR_RETURN(snapshot, SelectPartitions(meta, collection->router(), plan.get(),
                                                std::move(snapshot), partitions));
    ASSIGN_OR_RETURN(result.ids, MatchingKeys(*plan, snapshot, pk));
  }
  if (result.ids.size() == 0) {
    result.timestamp = clock_.Now();
    return result;
  }
  ASSIGN_OR_RETURN(result.timestamp, collection->Delete(scope, result.ids));
  auto_flusher_->Wrote(collection->id(), ApproxColumnBytes(result.ids));
  return result;
}

Result<InsertResult> Engine::Upsert(const CollectionName& collection_name,
                                    const std::string& partition, RowBatch batch) {
  return WriteRows(collection_name, partition, std::move(batch), /*upsert=*/true);
}

}  // namespace strata
