#include "engine/group_by.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "index/flat_search.h"

namespace strata {
namespace {

// The indexes' top-k bound (Milvus's): past it a chunk falls back to its raw vectors.
inline constexpr int64_t kMaxIndexK = 16384;
// Exact fallbacks score every allowed row; queries go in batches of at most this many hits.
inline constexpr int64_t kMaxExactBatchHits = int64_t{1} << 22;

// std::monostate is the group of null values (rows of a nullable field), which Milvus groups
// together like any other value.
using GroupKey = std::variant<std::monostate, int64_t, std::string>;

GroupKey KeyAt(const Column& column, int64_t row) {
  if (column.IsNull(row)) return std::monostate{};
  switch (column.type()) {
    case DataType::kBool:
      return static_cast<int64_t>(column.values<uint8_t>()[row]);
    case DataType::kInt64:
      return column.values<int64_t>()[row];
    case DataType::kVarChar:
      return column.values<std::string>()[row];
    default:  // Int8, Int16, Int32
      return static_cast<int64_t>(column.values<int32_t>()[row]);
  }
}

// The groups of one chunk's allowed rows, as dense codes so that the per-hit work is array
// lookups rather than hashing of values.
struct ChunkGroups {
  std::vector<int32_t> code;           // per row; -1 for rows that are not allowed
  std::vector<int64_t> allowed_count;  // per code
  std::vector<GroupKey> keys;          // per code
  int64_t allowed_rows = 0;
};

template <typename T>
void EncodeGroups(const Column& column, const std::vector<T>& values, const Bitset& allowed,
                  ChunkGroups* out) {
  using Key = std::conditional_t<std::is_same_v<T, std::string>, std::string_view, int64_t>;
  using Stored = std::conditional_t<std::is_same_v<T, std::string>, std::string, int64_t>;
  std::unordered_map<Key, int32_t> codes;
  int32_t null_code = -1;
  auto new_code = [&](GroupKey key) {
    out->keys.push_back(std::move(key));
    out->allowed_count.push_back(0);
    return static_cast<int32_t>(out->keys.size() - 1);
  };
  out->code.assign(values.size(), -1);
  allowed.ForEachSetBit(0, values.size(), [&](size_t r) {
    int32_t code;
    if (column.IsNull(static_cast<int64_t>(r))) {
      if (null_code < 0) null_code = new_code(std::monostate{});
      code = null_code;
    } else {
      Key key(values[r]);
      auto it = codes.find(key);
      if (it == codes.end()) it = codes.emplace(key, new_code(Stored(key))).first;
      code = it->second;
    }
    out->code[r] = code;
    ++out->allowed_count[code];
    ++out->allowed_rows;
  });
}

ChunkGroups GroupChunk(const Column& column, const Bitset& allowed) {
  ChunkGroups out;
  std::visit([&](const auto& values) { EncodeGroups(column, values, allowed, &out); },
             column.raw());
  return out;
}

struct ChunkHit {
  float score;
  int64_t row;
};

// Takes the hits of `top` in order into at most `groups` groups of at most group_size hits.
// With `fill`, true when `target` groups are complete (a group is complete with
// min(group_size, its allowed rows) hits); without, true when `target` groups are found. Either
// way no row outside `top` can change what was asked for.
bool TakeGroups(const TopK& top, const ChunkGroups& g, int64_t groups, int64_t group_size,
                int64_t target, bool fill, std::vector<ChunkHit>* hits) {
  std::unordered_map<int32_t, int64_t> taken;
  int64_t complete = 0;
  for (size_t j = 0; j < top.ids.size() && top.ids[j] >= 0; ++j) {
    int32_t code = g.code[top.ids[j]];
    auto it = taken.find(code);
    if (it == taken.end()) {
      if (static_cast<int64_t>(taken.size()) == groups) continue;
      it = taken.emplace(code, 0).first;
    }
    if (it->second == group_size) continue;
    hits->push_back({top.scores[j], top.ids[j]});
    if (++it->second == std::min(group_size, g.allowed_count[code])) ++complete;
    if (fill && complete == target) return true;
  }
  return fill ? complete == target : static_cast<int64_t>(taken.size()) == target;
}

size_t QueryBytes(const GroupedSearchSpec& spec) {
  return spec.vector_field->type == DataType::kBinaryVector
             ? static_cast<size_t>(spec.vector_field->dim / 8)
             : static_cast<size_t>(spec.vector_field->dim) * sizeof(float);
}

// FLAT indexes score every row anyway: their chunks take the exact path over the raw vectors,
// which needs no top-k bound.
bool SearchesExactly(const GroupedChunk& gc) {
  return gc.index == nullptr || gc.index->spec().index_type == "FLAT" ||
         gc.index->spec().index_type == "BIN_FLAT";
}

// Top-k of `nq` query rows in one chunk: through its index, or exactly over its raw vectors.
Status ChunkTopK(const GroupedSearchSpec& spec, const GroupedChunk& gc, bool exact,
                 const uint8_t* queries, int64_t nq, int64_t k, const Bitset& allowed,
                 ThreadPool* pool, std::vector<TopK>* out) {
  if (!exact) return gc.index->Search(queries, nq, k, *spec.search_params, &allowed, pool, out);
  const Column& vectors = *gc.chunk->rows.FindColumn(spec.vector_field->field_id);
  const int64_t n = gc.chunk->num_rows();
  const int64_t dim = spec.vector_field->dim;
  if (spec.vector_field->type == DataType::kBinaryVector)
    return SearchBinaryFlat(vectors.values<uint8_t>().data(), n, dim, queries, nq, spec.metric, k,
                            &allowed, pool, out);
  return SearchFloatFlat(vectors.values<float>().data(), n, dim,
                         reinterpret_cast<const float*>(queries), nq, spec.metric, k, &allowed,
                         pool, out);
}

// The rows of one grouped chunk search: `allowed`, holding `rows` rows in `groups` groups.
struct RowSet {
  const Bitset* allowed;
  int64_t rows;
  int64_t groups;
};

// For each of nq queries (rows `queries`), the hits of the chunk's best `groups` groups among
// `set`, best first, found (and with `fill` completed, see TakeGroups) with a growing k.
Status TopGroups(const GroupedSearchSpec& spec, const GroupedChunk& gc, const ChunkGroups& g,
                 const RowSet& set, const uint8_t* queries, int64_t nq, int64_t groups, bool fill,
                 ThreadPool* pool, std::vector<std::vector<ChunkHit>>* out) {
  out->assign(nq, {});
  const int64_t target = std::min(groups, set.groups);
  if (target == 0) return Status::Ok();
  const size_t width = QueryBytes(spec);
  std::vector<int64_t> pending(nq);
  std::iota(pending.begin(), pending.end(), 0);
  bool exact = SearchesExactly(gc);
  // A first guess that is enough unless a few groups crowd the top; then k grows: by 2 through
  // an index, by 8 for exact search, where each try costs a scan of the chunk.
  int64_t k = std::min(set.rows, std::max<int64_t>(64, 4 * groups * (fill ? spec.group_size : 1)));
  if (!exact) k = std::min(k, kMaxIndexK);
  std::vector<uint8_t> batch;
  while (!pending.empty()) {
    std::vector<int64_t> unfinished;
    const int64_t per_batch =
        exact ? std::max<int64_t>(1, kMaxExactBatchHits / k) : static_cast<int64_t>(pending.size());
    for (size_t begin = 0; begin < pending.size(); begin += per_batch) {
      size_t end = std::min(pending.size(), begin + static_cast<size_t>(per_batch));
      batch.resize((end - begin) * width);
      for (size_t i = begin; i < end; ++i)
        std::copy_n(queries + pending[i] * width, width, batch.data() + (i - begin) * width);
      std::vector<TopK> tops;
      RETURN_IF_ERROR(ChunkTopK(spec, gc, exact, batch.data(), static_cast<int64_t>(end - begin), k,
                                *set.allowed, pool, &tops));
      for (size_t i = begin; i < end; ++i) {
        std::vector<ChunkHit>& hits = (*out)[pending[i]];
        hits.clear();
        bool done = TakeGroups(tops[i - begin], g, groups, spec.group_size, target, fill, &hits);
        // Exact search over every allowed row has seen all there is.
        if (!done && !(exact && k >= set.rows)) unfinished.push_back(pending[i]);
      }
    }
    pending = std::move(unfinished);
    if (exact) {
      k = std::min(8 * k, set.rows);
    } else if (k >= std::min(set.rows, kMaxIndexK)) {
      // The index cannot supply enough distinct groups (an ANN search may also miss rows
      // even with k = every row): score the raw vectors instead.
      exact = true;
      k = set.rows;
    } else {
      k = std::min({2 * k, set.rows, kMaxIndexK});
    }
  }
  return Status::Ok();
}

// The best `groups` groups of one chunk for each of nq queries, complete. The groups are found
// first; groups still short of group_size hits are then completed by a search restricted to
// their own rows, which is small and cheap where scanning on for them would not be (a group's
// rows are spread thinly over the ranking when there are many groups).
Status SearchChunkGroups(const GroupedSearchSpec& spec, const GroupedChunk& gc,
                         const ChunkGroups& g, const RowSet& set, const uint8_t* queries,
                         int64_t nq, int64_t groups, ThreadPool* pool,
                         std::vector<std::vector<ChunkHit>>* out) {
  RETURN_IF_ERROR(TopGroups(spec, gc, g, set, queries, nq, groups, /*fill=*/false, pool, out));
  if (spec.group_size == 1) return Status::Ok();
  const size_t width = QueryBytes(spec);
  for (int64_t q = 0; q < nq; ++q) {
    std::unordered_map<int32_t, int64_t> taken;
    for (const ChunkHit& h : (*out)[q]) ++taken[g.code[h.row]];
    std::vector<uint8_t> chosen(g.keys.size(), 0);
    RowSet own{nullptr, 0, static_cast<int64_t>(taken.size())};
    bool short_of_hits = false;
    for (const auto& [code, n] : taken) {
      chosen[code] = 1;
      own.rows += g.allowed_count[code];
      short_of_hits = short_of_hits || n < std::min(spec.group_size, g.allowed_count[code]);
    }
    if (!short_of_hits) continue;
    Bitset rows(gc.chunk->num_rows());
    set.allowed->ForEachSetBit(0, rows.size(), [&](size_t r) {
      if (chosen[g.code[r]]) rows.Set(r);
    });
    own.allowed = &rows;
    std::vector<std::vector<ChunkHit>> filled;
    RETURN_IF_ERROR(TopGroups(spec, gc, g, own, queries + q * width, 1, own.groups,
                              /*fill=*/true, pool, &filled));
    (*out)[q] = std::move(filled[0]);
  }
  return Status::Ok();
}

// Per query, the first `groups` groups formed by `hits` taken best first, at most group_size
// hits each; returns the groups in order with their hits.
struct Group {
  GroupKey key;
  std::vector<ScoredRow> hits;
};
std::vector<Group> MergeGroups(const GroupedSearchSpec& spec,
                               const std::vector<GroupedChunk>& chunks, std::vector<ScoredRow> hits,
                               int64_t groups) {
  std::sort(hits.begin(), hits.end(), spec.better);
  std::vector<Group> out;
  std::unordered_map<GroupKey, size_t> index;
  const int64_t field_id = spec.group_field->field_id;
  for (const ScoredRow& hit : hits) {
    GroupKey key = KeyAt(*chunks[hit.chunk].chunk->rows.FindColumn(field_id), hit.row);
    auto it = index.find(key);
    if (it == index.end()) {
      if (static_cast<int64_t>(out.size()) == groups) continue;
      it = index.emplace(key, out.size()).first;
      out.push_back({std::move(key), {}});
    }
    auto& group = out[it->second].hits;
    if (static_cast<int64_t>(group.size()) < spec.group_size) group.push_back(hit);
  }
  return out;
}

}  // namespace

Result<const FieldSchema*> ResolveGroupByField(const CollectionSchema& schema,
                                               const std::string& name) {
  const FieldSchema* field = schema.FindField(name);
  if (field == nullptr)
    return InvalidArgument(fmt::format("group_by_field '{}' not found in the schema", name));
  switch (field->type) {
    case DataType::kBool:
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
    case DataType::kVarChar:
      return field;
    default:
      return InvalidArgument(fmt::format(
          "unsupported data type for group by: group_by_field '{}' is {}; grouping needs Bool, "
          "Int8, Int16, Int32, Int64 or VarChar",
          name, DataTypeName(field->type)));
  }
}

Status GroupedSearch(const GroupedSearchSpec& spec, const std::vector<GroupedChunk>& chunks,
                     ThreadPool* pool, std::vector<std::vector<ScoredRow>>* out) {
  const int64_t groups = spec.offset + spec.limit;
  const auto* queries = static_cast<const uint8_t*>(spec.queries);
  const size_t width = QueryBytes(spec);
  std::vector<ChunkGroups> chunk_groups(chunks.size());
  std::vector<std::vector<std::vector<ChunkHit>>> found(chunks.size());  // [chunk][query]
  std::vector<Status> errors(chunks.size());
  // Chunks in parallel; a lone chunk parallelises inside the search instead.
  ThreadPool* inner = chunks.size() == 1 ? pool : nullptr;
  pool->ParallelFor(chunks.size(), [&](size_t c) {
    const GroupedChunk& gc = chunks[c];
    ChunkGroups& g = chunk_groups[c];
    g = GroupChunk(*gc.chunk->rows.FindColumn(spec.group_field->field_id), gc.allowed);
    RowSet all{&gc.allowed, g.allowed_rows, static_cast<int64_t>(g.keys.size())};
    errors[c] = SearchChunkGroups(spec, gc, g, all, queries, spec.nq, groups, inner, &found[c]);
  });
  for (const auto& st : errors) RETURN_IF_ERROR(st);

  auto collect = [&](int64_t q) {
    std::vector<ScoredRow> hits;
    for (size_t c = 0; c < chunks.size(); ++c)
      for (const ChunkHit& h : found[c][q])
        hits.push_back({h.score, static_cast<int64_t>(c), h.row});
    return hits;
  };
  std::vector<std::vector<Group>> merged(spec.nq);
  for (int64_t q = 0; q < spec.nq; ++q) merged[q] = MergeGroups(spec, chunks, collect(q), groups);

  if (spec.group_size > 1) {
    // A chosen group's best hit was reported by its chunk, but its other hits may sit in chunks
    // where the group is not among the best: ask those chunks for exactly the missing groups.
    pool->ParallelFor(chunks.size(), [&](size_t c) {
      const GroupedChunk& gc = chunks[c];
      const ChunkGroups& g = chunk_groups[c];
      std::unordered_map<GroupKey, int32_t> code_of;
      for (size_t i = 0; i < g.keys.size(); ++i)
        code_of.emplace(g.keys[i], static_cast<int32_t>(i));
      for (int64_t q = 0; q < spec.nq && errors[c].ok(); ++q) {
        std::unordered_set<int32_t> reported;
        for (const ChunkHit& h : found[c][q]) reported.insert(g.code[h.row]);
        std::vector<uint8_t> missing(g.keys.size(), 0);
        int64_t missing_groups = 0, missing_rows = 0;
        for (const Group& group : merged[q]) {
          auto it = code_of.find(group.key);
          if (it == code_of.end() || reported.count(it->second)) continue;
          missing[it->second] = 1;
          ++missing_groups;
          missing_rows += g.allowed_count[it->second];
        }
        if (missing_groups == 0) continue;
        Bitset allowed(gc.chunk->num_rows());
        gc.allowed.ForEachSetBit(0, allowed.size(), [&](size_t r) {
          if (missing[g.code[r]]) allowed.Set(r);
        });
        std::vector<std::vector<ChunkHit>> more;
        RowSet set{&allowed, missing_rows, missing_groups};
        errors[c] = SearchChunkGroups(spec, gc, g, set, queries + q * width, 1, missing_groups,
                                      inner, &more);
        if (errors[c].ok()) found[c][q].insert(found[c][q].end(), more[0].begin(), more[0].end());
      }
    });
    for (const auto& st : errors) RETURN_IF_ERROR(st);
    // The extra hits belong to groups already chosen and are worse than those groups' best
    // hits, so the groups and their order stay; only their hit lists fill up.
    for (int64_t q = 0; q < spec.nq; ++q) merged[q] = MergeGroups(spec, chunks, collect(q), groups);
  }

  out->assign(spec.nq, {});
  for (int64_t q = 0; q < spec.nq; ++q)
    for (size_t i = static_cast<size_t>(spec.offset); i < merged[q].size(); ++i)
      for (const ScoredRow& hit : merged[q][i].hits) (*out)[q].push_back(hit);
  return Status::Ok();
}

}  // namespace strata
