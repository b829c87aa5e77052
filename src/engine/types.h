// Requests and results of the engine's read and write paths, independent of any wire format.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "catalog/manifest.h"
#include "expr/expr.h"
#include "schema/column.h"
#include "schema/schema.h"

namespace strata {

// A collection (or alias) name within a database. Built from a bare name it means the default
// database, so code that knows of one database need not say which.
struct CollectionName {
  CollectionName() = default;
  CollectionName(std::string bare) : name(std::move(bare)) {}  // NOLINT: implicit by design
  CollectionName(const char* bare) : name(bare) {}             // NOLINT: implicit by design
  CollectionName(std::string db, std::string collection)
      : database(std::move(db)), name(std::move(collection)) {}

  std::string database{kDefaultDatabase};
  std::string name;
};

struct InsertResult {
  Column ids;  // primary keys of the inserted rows, in order (Int64 or VarChar)
  uint64_t timestamp = 0;
};

struct FlushResult {
  std::vector<int64_t> sealed_segment_ids;  // every sealed segment of the collection
  uint64_t flush_ts = 0;
};

struct SearchRequest {
  CollectionName collection;
  std::vector<std::string> partitions;     // empty = all
  std::string anns_field;                  // empty = the only vector field
  std::string metric;                      // empty = the index's (or L2 with no index)
  std::string filter;                      // Milvus boolean expression; empty = none
  expr::ExprTemplateValues filter_values;  // values of the filter's {name} placeholders
  int64_t nq = 0;
  // nq * dim floats (FloatVector) or nq * dim / 8 bytes (BinaryVector).
  std::vector<float> float_queries;
  std::vector<uint8_t> binary_queries;
  int64_t limit = 10;
  int64_t offset = 0;
  int64_t round_decimal = -1;
  std::vector<std::string> output_fields;  // may contain "*"
  nlohmann::json search_params;            // {"nprobe":..,"ef":..,"radius":..}
  // Grouping search (engine/group_by.h): empty = none. limit and offset then count groups.
  std::string group_by_field;
  int64_t group_size = 1;  // hits per group, 1..kMaxGroupSize
  // Accepted for Milvus compatibility: groups are always filled to group_size when the rows
  // exist (what Milvus does only with strict_group_size = true).
  bool strict_group_size = false;
  // Search iterator v2 (the SDKs' searchIterator): one page of `limit` hits, each strictly
  // worse than `iterator_last_bound` when that is set (the previous page's last score); nq 1,
  // no offset, no grouping. Nothing is kept between pages: `iterator_token` is only echoed.
  bool iterator = false;
  std::optional<float> iterator_last_bound;
  std::string iterator_token;
};

// How a hybrid search merges the ranked lists of its searches into one (engine/rerank.h).
struct Ranker {
  enum class Kind { kRrf, kWeighted };
  Kind kind = Kind::kRrf;
  // RRF: a row's score is the sum over the searches that found it of 1 / (k + rank), rank
  // counted from 1. Milvus's default k is 60; it must lie in (0, 16384).
  double rrf_k = 60;
  // Weighted: the sum of weight * score over the searches that found the row; one weight per
  // search, each in [0, 1]. With `normalize`, scores are first mapped into [0, 1] by their
  // metric (closer = higher), as Milvus's WeightedRanker does by default.
  std::vector<double> weights;
  bool normalize = true;
};

// Milvus's HybridSearch: several vector searches of the same nq queries (typically on
// different vector fields, each with its own filter and top-k), merged by `ranker`.
struct HybridSearchRequest {
  CollectionName collection;
  std::vector<std::string> partitions;  // empty = all; applies to every search
  // Each uses anns_field, metric, filter, nq, the query vectors, limit (its own top-k) and
  // search_params; its offset, output fields and partitions are not used.
  std::vector<SearchRequest> searches;
  Ranker ranker;
  int64_t limit = 10;  // of the merged list, per query
  int64_t offset = 0;
  int64_t round_decimal = -1;
  std::vector<std::string> output_fields;  // may contain "*"
};

struct SearchResult {
  int64_t nq = 0;
  int64_t top_k = 0;
  std::vector<int64_t> topks;  // hits per query
  Column ids;                  // primary keys, query-major
  std::vector<float> scores;
  std::string primary_field_name;
  RowBatch fields;  // output columns (always including the primary key) for every hit
  std::vector<std::string> output_fields;  // names to report, dynamic keys included
  // Grouping search only: the group field's name and its value for every hit.
  std::string group_by_field;
  Column group_by_values;
  // Search iterator only: the bound the next page starts after (the page's last score; the
  // request's bound for an empty page; the worst possible score for an empty first page).
  std::optional<float> iterator_last_bound;
};

struct QueryRequest {
  CollectionName collection;
  std::vector<std::string> partitions;
  std::string filter;
  expr::ExprTemplateValues filter_values;
  std::vector<std::string> output_fields;  // may contain "*" or "count(*)"
  std::optional<int64_t> limit;
  int64_t offset = 0;
};

struct QueryResult {
  RowBatch fields;  // one column per output field, or a single count(*) Int64 column
  // Names to report: static fields, "$meta" when wanted whole, then dynamic keys (which come
  // back inside the $meta column, so names and columns do not pair up).
  std::vector<std::string> output_fields;
  bool is_count = false;
  int64_t count = 0;
};

struct DeleteRequest {
  CollectionName collection;
  std::string partition;  // empty = every partition
  std::string filter;     // required; `pk in [...]` / `pk == v` need no load
  expr::ExprTemplateValues filter_values;
};

struct DeleteResult {
  Column ids;  // the primary keys deleted (the keys listed, or the rows the filter matched)
  uint64_t timestamp = 0;
};

struct PartitionInfo {
  PartitionMeta meta;
  bool loaded = false;
};

struct IndexInfo {
  IndexMeta meta;
  std::string field_name;
  int64_t total_rows = 0;
  int64_t indexed_rows = 0;        // rows of sealed segments whose index is built
  int64_t pending_index_rows = 0;  // rows of sealed segments waiting for their build
};

}  // namespace strata
