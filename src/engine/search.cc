// Engine::Search: top-k (or range search, with radius in the search params, or grouping search,
// with group_by_field) over every chunk of a snapshot in parallel, through a chunk's index when
// it has one, then a merge. Engine::HybridSearch: several such searches over one snapshot,
// merged by a ranker (engine/rerank.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>

#include "common/bitset.h"
#include "engine/collection.h"
#include "engine/engine.h"
#include "engine/group_by.h"
#include "engine/read_common.h"
#include "engine/rerank.h"
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

// A search's checks that need no data: its vector field, metric, range, group field, filter.
struct ResolvedSearch {
  const FieldSchema* field = nullptr;
  MetricType metric = MetricType::kL2;
  std::optional<RangeParams> range;
  const FieldSchema* group_field = nullptr;
  std::shared_ptr<const expr::Plan> plan;
};

Result<ResolvedSearch> ResolveSearch(const CollectionMeta& meta, const CollectionSchema& schema,
                                     const SearchRequest& req) {
  ResolvedSearch out;
  ASSIGN_OR_RETURN(out.field, ResolveAnnsField(schema, req.anns_field));
  ASSIGN_OR_RETURN(out.metric, ResolveMetric(meta, *out.field, req.metric));
  if (req.limit <= 0 || req.limit > kMaxTopK)
    return InvalidArgument(
        fmt::format("topk should be in range [1, {}], but got {}", kMaxTopK, req.limit));
  if (req.offset < 0 || req.offset + req.limit > kMaxTopK)
    return InvalidArgument(fmt::format("offset + limit should be in range [1, {}], but got {}",
                                       kMaxTopK, req.offset + req.limit));
  if (req.nq <= 0) return InvalidArgument("nq must be at least 1");
  ASSIGN_OR_RETURN(out.range, ParseRangeParams(req.search_params, out.metric));
  bool binary = out.field->type == DataType::kBinaryVector;
  size_t expected = static_cast<size_t>(req.nq * (binary ? out.field->dim / 8 : out.field->dim));
  if ((binary ? req.binary_queries.size() : req.float_queries.size()) != expected)
    return InvalidArgument(fmt::format("query vectors do not match field '{}' of dim {}",
                                       out.field->name, out.field->dim));
  if (!req.group_by_field.empty()) {
    if (out.range.has_value())
      return InvalidArgument("Not allowed to do range-search when doing search-group-by");
    ASSIGN_OR_RETURN(out.group_field, ResolveGroupByField(schema, req.group_by_field));
    if (req.group_size < 1 || req.group_size > kMaxGroupSize)
      return InvalidArgument(fmt::format("group_size should be in range [1, {}], but got {}",
                                         kMaxGroupSize, req.group_size));
  }
  ASSIGN_OR_RETURN(out.plan, ParseOptionalFilter(req.filter, schema, req.filter_values));
  return out;
}

// Hits ordered best first: by score, then by primary key.
using HitOrder = std::function<bool(const ScoredRow&, const ScoredRow&)>;

HitOrder PrimaryKeyOrder(const CollectionSchema& schema, const Snapshot& snapshot) {
  const FieldSchema& pk = schema.PrimaryField();
  return [&pk, &snapshot](const ScoredRow& a, const ScoredRow& b) {
    const Column& ca = *snapshot[a.chunk].chunk->rows.FindColumn(pk.field_id);
    const Column& cb = *snapshot[b.chunk].chunk->rows.FindColumn(pk.field_id);
    if (pk.type == DataType::kInt64)
      return ca.values<int64_t>()[a.row] < cb.values<int64_t>()[b.row];
    return ca.values<std::string>()[a.row] < cb.values<std::string>()[b.row];
  };
}

// The hits of `req` in `snapshot`, per query in result order, its offset applied.
Result<std::vector<std::vector<ScoredRow>>> RankSnapshot(
    const CollectionMeta& meta, const CollectionSchema& schema, const Snapshot& snapshot,
    const SearchRequest& req, const ResolvedSearch& resolved, ThreadPool& pool) {
  const FieldSchema* field = resolved.field;
  const bool binary = field->type == DataType::kBinaryVector;
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
  pool.ParallelFor(snapshot.size(), [&](size_t i) {
    auto mask = FilterChunk(resolved.plan.get(), snapshot[i], schema.PrimaryField().field_id);
    if (!mask.ok()) {
      errors[i] = mask.status();
      return;
    }
    allowed[i] = Bitset::FromBytes(mask->data(), mask->size());
  });
  for (const auto& st : errors) RETURN_IF_ERROR(st);

  const bool higher_better = HigherIsCloser(resolved.metric);
  HitOrder pk_less = PrimaryKeyOrder(schema, snapshot);
  auto better = [&](const ScoredRow& a, const ScoredRow& b) {
    if (a.score != b.score) return higher_better ? a.score > b.score : a.score < b.score;
    return pk_less(a, b);
  };

  std::vector<std::vector<ScoredRow>> per_query(req.nq);
  if (resolved.group_field != nullptr) {
    std::vector<GroupedChunk> chunks(snapshot.size());
    for (size_t i = 0; i < snapshot.size(); ++i)
      chunks[i] = {snapshot[i].chunk.get(), index_of(snapshot[i]), std::move(allowed[i])};
    GroupedSearchSpec spec;
    spec.vector_field = field;
    spec.group_field = resolved.group_field;
    spec.metric = resolved.metric;
    spec.nq = req.nq;
    spec.queries = queries;
    spec.search_params = &req.search_params;
    spec.offset = req.offset;
    spec.limit = req.limit;
    spec.group_size = req.group_size;
    spec.better = better;
    RETURN_IF_ERROR(GroupedSearch(spec, chunks, &pool, &per_query));
    return per_query;
  }
  std::vector<std::vector<TopK>> per_chunk(snapshot.size());
  // Chunks in parallel; a lone chunk parallelises inside the kernel instead.
  ThreadPool* inner_pool = snapshot.size() == 1 ? &pool : nullptr;
  pool.ParallelFor(snapshot.size(), [&](size_t i) {
    const Chunk& chunk = *snapshot[i].chunk;
    const Column& vectors = *chunk.rows.FindColumn(field->field_id);
    const VectorIndex* index = index_of(snapshot[i]);
    if (resolved.range.has_value()) {
      errors[i] =
          RangeSearchChunk(req, *resolved.range, resolved.metric, field->dim, k, index, vectors,
                           chunk.num_rows(), &allowed[i], inner_pool, &per_chunk[i]);
    } else if (index != nullptr) {
      errors[i] = index->Search(queries, req.nq, k, req.search_params, &allowed[i], inner_pool,
                                &per_chunk[i]);
    } else if (binary) {
      errors[i] = SearchBinaryFlat(vectors.values<uint8_t>().data(), chunk.num_rows(), field->dim,
                                   req.binary_queries.data(), req.nq, resolved.metric, k,
                                   &allowed[i], inner_pool, &per_chunk[i]);
    } else {
      errors[i] = SearchFloatFlat(vectors.values<float>().data(), chunk.num_rows(), field->dim,
                                  req.float_queries.data(), req.nq, resolved.metric, k, &allowed[i],
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
  return per_query;
}

// A search iterator's page: the best `req.limit` hits strictly worse than the request's last
// bound. Nothing is kept between pages, so the hits before the bound are found again, with a
// top-k that grows until enough lie beyond it or none are left (deep pages cost more, as in
// Milvus). Hits that tie the bound exactly are not returned again.
Result<std::vector<ScoredRow>> IteratorPage(const CollectionMeta& meta,
                                            const CollectionSchema& schema,
                                            const Snapshot& snapshot, const SearchRequest& req,
                                            const ResolvedSearch& resolved, ThreadPool& pool) {
  const bool higher_better = HigherIsCloser(resolved.metric);
  auto beyond = [&](float score) {
    if (!req.iterator_last_bound) return true;
    return higher_better ? score < *req.iterator_last_bound : score > *req.iterator_last_bound;
  };
  int64_t rows = 0;
  for (const auto& sc : snapshot) rows += sc.chunk->num_rows();
  SearchRequest probe = req;
  probe.offset = 0;
  for (int64_t k = req.limit;; k *= 2) {
    probe.limit = k;
    ASSIGN_OR_RETURN(auto hits, RankSnapshot(meta, schema, snapshot, probe, resolved, pool));
    std::vector<ScoredRow> page;
    for (const ScoredRow& hit : hits[0])
      if (beyond(hit.score) && static_cast<int64_t>(page.size()) < req.limit) page.push_back(hit);
    const bool exhausted = static_cast<int64_t>(hits[0].size()) < k || k >= rows;
    if (static_cast<int64_t>(page.size()) == req.limit || exhausted) return page;
  }
}

// The answer to a search whose hits per query are `per_query`: scores rounded to
// `round_decimal` places (-1 = as they are), primary keys, output columns and (grouping search,
// `group_field` not null) each hit's group value gathered.
SearchResult GatherHits(const CollectionSchema& schema, const Snapshot& snapshot,
                        const std::vector<std::vector<ScoredRow>>& per_query, int64_t limit,
                        int64_t round_decimal, const OutputFields& outputs,
                        const FieldSchema* group_field = nullptr) {
  SearchResult result;
  result.nq = static_cast<int64_t>(per_query.size());
  result.top_k = limit;
  result.primary_field_name = schema.PrimaryField().name;
  const double scale = std::pow(10.0, static_cast<double>(round_decimal));
  std::vector<RowRef> hits;
  for (const auto& rows : per_query) {
    result.topks.push_back(static_cast<int64_t>(rows.size()));
    for (const ScoredRow& hit : rows) {
      result.scores.push_back(round_decimal >= 0
                                  ? static_cast<float>(std::round(hit.score * scale) / scale)
                                  : hit.score);
      hits.push_back({snapshot[hit.chunk].chunk.get(), hit.row});
    }
  }
  result.ids = GatherColumn(schema.PrimaryField(), hits);
  result.fields = GatherOutputs(outputs, hits);
  result.output_fields = outputs.names;
  if (group_field != nullptr) {
    result.group_by_field = group_field->name;
    result.group_by_values = GatherColumn(*group_field, hits);
  }
  return result;
}

}  // namespace

Result<SearchResult> Engine::Search(const SearchRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(auto shared_meta, MetaOf(*collection, req.collection));
  const CollectionMeta& meta = *shared_meta;
  const CollectionSchema& schema = collection->schema();
  ASSIGN_OR_RETURN(ResolvedSearch resolved, ResolveSearch(meta, schema, req));
  ASSIGN_OR_RETURN(auto outputs, ResolveOutputFields(schema, req.output_fields));
  ASSIGN_OR_RETURN(Snapshot snapshot, collection->TakeSnapshot());
  ASSIGN_OR_RETURN(snapshot, SelectPartitions(meta, collection->router(), resolved.plan.get(),
                                              std::move(snapshot), req.partitions));
  std::vector<std::vector<ScoredRow>> per_query;
  if (req.iterator) {
    if (req.nq != 1)
      return InvalidArgument("Number of queries is greater than 1, cannot initialize iterator");
    if (req.offset != 0 || resolved.group_field != nullptr)
      return InvalidArgument("a search iterator takes no offset and no grouping");
    ASSIGN_OR_RETURN(auto page, IteratorPage(meta, schema, snapshot, req, resolved, pool_));
    per_query.push_back(std::move(page));
  } else {
    ASSIGN_OR_RETURN(per_query, RankSnapshot(meta, schema, snapshot, req, resolved, pool_));
  }
  SearchResult result = GatherHits(schema, snapshot, per_query, req.limit, req.round_decimal,
                                   outputs, resolved.group_field);
  if (req.iterator) {
    const bool higher_better = HigherIsCloser(resolved.metric);
    // Before every possible hit: what an empty first page answers, as Milvus does.
    const float before_all =
        higher_better ? std::numeric_limits<float>::max() : -std::numeric_limits<float>::max();
    result.iterator_last_bound = !per_query[0].empty()     ? per_query[0].back().score
                                 : req.iterator_last_bound ? *req.iterator_last_bound
                                                           : before_all;
  }
  return result;
}

Result<SearchResult> Engine::HybridSearch(const HybridSearchRequest& req) {
  ASSIGN_OR_RETURN(auto collection, Find(req.collection));
  ASSIGN_OR_RETURN(auto shared_meta, MetaOf(*collection, req.collection));
  const CollectionMeta& meta = *shared_meta;
  const CollectionSchema& schema = collection->schema();
  if (req.searches.empty())
    return InvalidArgument("hybrid search needs at least one ann search request");
  if (req.searches.size() > kMaxHybridSearches)
    return InvalidArgument(fmt::format("maximum of ann search requests is {}", kMaxHybridSearches));
  if (req.limit <= 0 || req.offset < 0 || req.offset + req.limit > kMaxTopK)
    return InvalidArgument(fmt::format(
        "invalid max query result window, (offset+limit) should be in range [1, {}], but got {}",
        kMaxTopK, req.offset + req.limit));
  RETURN_IF_ERROR(ValidateRanker(req.ranker, req.searches.size()));
  std::vector<ResolvedSearch> resolved;
  std::vector<MetricType> metrics;
  for (const SearchRequest& search : req.searches) {
    if (!search.group_by_field.empty())
      return InvalidArgument("not support search_group_by operation in the hybrid search");
    if (search.nq != req.searches.front().nq)
      return InvalidArgument(
          fmt::format("sub search request nq should be the same: expected={}, actual={}",
                      req.searches.front().nq, search.nq));
    ASSIGN_OR_RETURN(ResolvedSearch one, ResolveSearch(meta, schema, search));
    metrics.push_back(one.metric);
    resolved.push_back(std::move(one));
  }
  ASSIGN_OR_RETURN(auto outputs, ResolveOutputFields(schema, req.output_fields));
  // One snapshot for every search, so they all see the same rows and a row is the same
  // (chunk, row) in each list.
  ASSIGN_OR_RETURN(Snapshot snapshot, collection->TakeSnapshot());
  ASSIGN_OR_RETURN(snapshot, SelectPartitions(meta, collection->router(), nullptr,
                                              std::move(snapshot), req.partitions));
  std::vector<std::vector<std::vector<ScoredRow>>> per_search;
  for (size_t s = 0; s < req.searches.size(); ++s) {
    ASSIGN_OR_RETURN(auto hits,
                     RankSnapshot(meta, schema, snapshot, req.searches[s], resolved[s], pool_));
    per_search.push_back(std::move(hits));
  }
  HitOrder pk_less = PrimaryKeyOrder(schema, snapshot);
  const int64_t nq = req.searches.front().nq;
  std::vector<std::vector<ScoredRow>> per_query(nq);
  for (int64_t q = 0; q < nq; ++q) {
    std::vector<const std::vector<ScoredRow>*> lists;
    for (const auto& hits : per_search) lists.push_back(&hits[q]);
    std::vector<ScoredRow> fused = FuseRankings(req.ranker, metrics, lists, pk_less);
    size_t begin = std::min<size_t>(req.offset, fused.size());
    size_t end = std::min<size_t>(req.offset + req.limit, fused.size());
    per_query[q].assign(fused.begin() + begin, fused.begin() + end);
  }
  return GatherHits(schema, snapshot, per_query, req.limit, req.round_decimal, outputs);
}

}  // namespace strata
