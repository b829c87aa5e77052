// Engine::Search: top-k (or range search, with radius in the search params, or grouping search,
// with group_by_field) over every chunk of a snapshot in parallel, through a chunk's index when
// it has one, then a merge.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "common/bitset.h"
#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/group_by.h"
#include "engine/read_common.h"
#include "index/flat_search.h"
#include "index/metric.h"
#include "index/range_params.h"
#include "index/vector_index.h"

namespace strata {
namespace {

inline constexpr int64_t kMaxTopK = 16384;

Result<const FieldSchema*> ResolveAnnsField(const CollectionSchema& schema,
                                            const std::string& name) {
  if (name.empty()) {
    auto vectors = schema.VectorFields();
    if (vectors.size() != 1)
      return InvalidArgument("the collection has several vector fields: set anns_field");
    return vectors.front();
  }
  const FieldSchema* field = schema.FindField(name);
  if (field == nullptr || !IsVectorType(field->type))
    return InvalidArgument(fmt::format("anns_field '{}' is not a vector field", name));
  return field;
}

Result<MetricType> ResolveMetric(const CollectionMeta& meta, const FieldSchema& field,
                                 const std::string& requested) {
  std::string index_metric;
  for (const auto& index : meta.indexes)
    if (index.field_id == field.field_id)
      for (const auto& [k, v] : index.params)
        if (k == "metric_type") index_metric = v;
  if (!requested.empty() && !index_metric.empty() && requested != index_metric)
    return InvalidArgument(fmt::format(
        "metric type not match: the index of field '{}' uses {}, the search asks for {}",
        field.name, index_metric, requested));
  std::string name = !requested.empty()                      ? requested
                     : !index_metric.empty()                 ? index_metric
                     : field.type == DataType::kBinaryVector ? "HAMMING"
                                                             : "L2";
  ASSIGN_OR_RETURN(MetricType metric, ParseMetricType(name));
  bool binary_metric = metric == MetricType::kHamming || metric == MetricType::kJaccard;
  if (binary_metric != (field.type == DataType::kBinaryVector))
    return InvalidArgument(fmt::format("metric type {} does not apply to {} field '{}'", name,
                                       DataTypeName(field.type), field.name));
  return metric;
}

// Range search of one chunk: through its built index when there is one, exactly otherwise.
// The hits come back as TopK entries without padding, ready for the same merge as top-k.
Status RangeSearchChunk(const SearchRequest& req, const RangeParams& range, MetricType metric,
                        int64_t dim, int64_t limit, const VectorIndex* index, const Column& vectors,
                        int64_t rows, const Bitset* allowed, ThreadPool* pool,
                        std::vector<TopK>* out) {
  bool binary = IsBinaryMetric(metric);
  std::vector<RangeHits> hits;
  if (index != nullptr) {
    const void* queries = binary ? static_cast<const void*>(req.binary_queries.data())
                                 : static_cast<const void*>(req.float_queries.data());
    RETURN_IF_ERROR(
        index->RangeSearch(queries, req.nq, range, limit, req.search_params, allowed, pool, &hits));
  } else if (binary) {
    RETURN_IF_ERROR(RangeSearchBinaryFlat(vectors.values<uint8_t>().data(), rows, dim,
                                          req.binary_queries.data(), req.nq, metric, range, limit,
                                          allowed, pool, &hits));
  } else {
    RETURN_IF_ERROR(RangeSearchFloatFlat(vectors.values<float>().data(), rows, dim,
                                         req.float_queries.data(), req.nq, metric, range, limit,
                                         allowed, pool, &hits));
  }
  out->resize(hits.size());
  for (size_t q = 0; q < hits.size(); ++q) {
    (*out)[q].k = limit;
    (*out)[q].ids = std::move(hits[q].ids);
    (*out)[q].scores = std::move(hits[q].scores);
  }
  return Status::Ok();
}

}  // namespace

Result<SearchResult> Engine::Search(const SearchRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(auto shared_meta, Meta(req.collection));
  const CollectionMeta& meta = *shared_meta;
  const CollectionSchema& schema = collection->schema();
  ASSIGN_OR_RETURN(const FieldSchema* field, ResolveAnnsField(schema, req.anns_field));
  ASSIGN_OR_RETURN(MetricType metric, ResolveMetric(meta, *field, req.metric));
  if (req.limit <= 0 || req.limit > kMaxTopK)
    return InvalidArgument(
        fmt::format("topk should be in range [1, {}], but got {}", kMaxTopK, req.limit));
  if (req.offset < 0 || req.offset + req.limit > kMaxTopK)
    return InvalidArgument(fmt::format("offset + limit should be in range [1, {}], but got {}",
                                       kMaxTopK, req.offset + req.limit));
  if (req.nq <= 0) return InvalidArgument("nq must be at least 1");
  ASSIGN_OR_RETURN(std::optional<RangeParams> range, ParseRangeParams(req.search_params, metric));
  bool binary = field->type == DataType::kBinaryVector;
  size_t expected = static_cast<size_t>(req.nq * (binary ? field->dim / 8 : field->dim));
  if ((binary ? req.binary_queries.size() : req.float_queries.size()) != expected)
    return InvalidArgument(
        fmt::format("query vectors do not match field '{}' of dim {}", field->name, field->dim));
  const FieldSchema* group_field = nullptr;
  if (!req.group_by_field.empty()) {
    if (range.has_value())
      return InvalidArgument("Not allowed to do range-search when doing search-group-by");
    ASSIGN_OR_RETURN(group_field, ResolveGroupByField(schema, req.group_by_field));
    if (req.group_size < 1 || req.group_size > kMaxGroupSize)
      return InvalidArgument(fmt::format("group_size should be in range [1, {}], but got {}",
                                         kMaxGroupSize, req.group_size));
  }

  ASSIGN_OR_RETURN(auto outputs, ResolveOutputFields(schema, req.output_fields));
  ASSIGN_OR_RETURN(auto plan, ParseOptionalFilter(req.filter, schema, req.filter_values));
  ASSIGN_OR_RETURN(Snapshot snapshot, collection->TakeSnapshot());
  ASSIGN_OR_RETURN(snapshot, SelectPartitions(meta, collection->router(), plan.get(),
                                              std::move(snapshot), req.partitions));

  const int64_t k = req.offset + req.limit;
  // The field's index, if any: sealed segments with a built file for it search through it.
  int64_t index_id = -1;
  for (const auto& index : meta.indexes)
    if (index.field_id == field->field_id) index_id = index.index_id;
  auto index_of = [&](const SnapshotChunk& sc) -> const VectorIndex* {
    auto built = sc.indexes.find(index_id);
    return built != sc.indexes.end() ? built->second.get() : nullptr;
  };
  const void* queries = binary ? static_cast<const void*>(req.binary_queries.data())
                               : static_cast<const void*>(req.float_queries.data());
  std::vector<Bitset> allowed(snapshot.size());
  std::vector<Status> errors(snapshot.size());
  pool_.ParallelFor(snapshot.size(), [&](size_t i) {
    auto mask = FilterChunk(plan.get(), snapshot[i], schema.PrimaryField().field_id);
    if (!mask.ok()) {
      errors[i] = mask.status();
      return;
    }
    allowed[i] = Bitset::FromBytes(mask->data(), mask->size());
  });
  for (const auto& st : errors) RETURN_IF_ERROR(st);

  const FieldSchema& pk = schema.PrimaryField();
  const bool higher_better = HigherIsCloser(metric);
  auto pk_less = [&](const ScoredRow& a, const ScoredRow& b) {
    const Column& ca = *snapshot[a.chunk].chunk->rows.FindColumn(pk.field_id);
    const Column& cb = *snapshot[b.chunk].chunk->rows.FindColumn(pk.field_id);
    if (pk.type == DataType::kInt64)
      return ca.values<int64_t>()[a.row] < cb.values<int64_t>()[b.row];
    return ca.values<std::string>()[a.row] < cb.values<std::string>()[b.row];
  };
  auto better = [&](const ScoredRow& a, const ScoredRow& b) {
    if (a.score != b.score) return higher_better ? a.score > b.score : a.score < b.score;
    return pk_less(a, b);
  };

  // The hits of each query, in result order.
  std::vector<std::vector<ScoredRow>> per_query(req.nq);
  if (group_field != nullptr) {
    std::vector<GroupedChunk> chunks(snapshot.size());
    for (size_t i = 0; i < snapshot.size(); ++i)
      chunks[i] = {snapshot[i].chunk.get(), index_of(snapshot[i]), std::move(allowed[i])};
    GroupedSearchSpec spec;
    spec.vector_field = field;
    spec.group_field = group_field;
    spec.metric = metric;
    spec.nq = req.nq;
    spec.queries = queries;
    spec.search_params = &req.search_params;
    spec.offset = req.offset;
    spec.limit = req.limit;
    spec.group_size = req.group_size;
    spec.better = better;
    RETURN_IF_ERROR(GroupedSearch(spec, chunks, &pool_, &per_query));
  } else {
    std::vector<std::vector<TopK>> per_chunk(snapshot.size());
    // Chunks in parallel; a lone chunk parallelises inside the kernel instead.
    ThreadPool* inner_pool = snapshot.size() == 1 ? &pool_ : nullptr;
    pool_.ParallelFor(snapshot.size(), [&](size_t i) {
      const Chunk& chunk = *snapshot[i].chunk;
      const Column& vectors = *chunk.rows.FindColumn(field->field_id);
      const VectorIndex* index = index_of(snapshot[i]);
      if (range.has_value()) {
        errors[i] = RangeSearchChunk(req, *range, metric, field->dim, k, index, vectors,
                                     chunk.num_rows(), &allowed[i], inner_pool, &per_chunk[i]);
      } else if (index != nullptr) {
        errors[i] = index->Search(queries, req.nq, k, req.search_params, &allowed[i], inner_pool,
                                  &per_chunk[i]);
      } else if (binary) {
        errors[i] = SearchBinaryFlat(vectors.values<uint8_t>().data(), chunk.num_rows(), field->dim,
                                     req.binary_queries.data(), req.nq, metric, k, &allowed[i],
                                     inner_pool, &per_chunk[i]);
      } else {
        errors[i] = SearchFloatFlat(vectors.values<float>().data(), chunk.num_rows(), field->dim,
                                    req.float_queries.data(), req.nq, metric, k, &allowed[i],
                                    inner_pool, &per_chunk[i]);
      }
    });
    for (const auto& st : errors) RETURN_IF_ERROR(st);
    for (int64_t q = 0; q < req.nq; ++q) {
      std::vector<ScoredRow> candidates;
      for (size_t c = 0; c < per_chunk.size(); ++c) {
        const TopK& top = per_chunk[c][q];
        for (size_t j = 0; j < top.ids.size(); ++j)
          if (top.ids[j] >= 0)
            candidates.push_back({top.scores[j], static_cast<int64_t>(c), top.ids[j]});
      }
      std::sort(candidates.begin(), candidates.end(), better);
      int64_t begin = std::min<int64_t>(req.offset, candidates.size());
      int64_t end = std::min<int64_t>(k, candidates.size());
      per_query[q].assign(candidates.begin() + begin, candidates.begin() + end);
    }
  }

  SearchResult result;
  result.nq = req.nq;
  result.top_k = req.limit;
  result.primary_field_name = pk.name;
  std::vector<RowRef> hits;
  for (const auto& rows : per_query) {
    result.topks.push_back(static_cast<int64_t>(rows.size()));
    for (const ScoredRow& hit : rows) {
      float score = hit.score;
      if (req.round_decimal >= 0) {
        double scale = std::pow(10.0, static_cast<double>(req.round_decimal));
        score = static_cast<float>(std::round(score * scale) / scale);
      }
      result.scores.push_back(score);
      hits.push_back({snapshot[hit.chunk].chunk.get(), hit.row});
    }
  }
  result.ids = GatherColumn(pk, hits);
  result.fields = GatherOutputs(outputs, hits);
  result.output_fields = outputs.names;
  if (group_field != nullptr) {
    result.group_by_field = group_field->name;
    result.group_by_values = GatherColumn(*group_field, hits);
  }
  return result;
}

}  // namespace strata
