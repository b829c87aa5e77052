// Filter expressions in Milvus's boolean expression language (doc/expressions.md):
// `age > 18 and name like "a%"`, `meta["tags"][0] == "x"`, `id in [1, 2, 3]`, ...
//
// ParseFilter checks the text against a collection schema and returns an immutable typed plan;
// EvaluateFilter runs it over a batch of columns, one node at a time over whole columns, and
// writes one byte per row (1 = the row matches). A Plan is immutable and may be evaluated by
// many threads at once; each call allocates its own scratch space.
//
// An empty filter is not an expression: callers skip filtering when the text is empty
// (ParseFilter("") is InvalidArgument).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/status.h"
#include "schema/column.h"
#include "schema/schema.h"

namespace strata::expr {

// Values for `{name}` placeholders, as Milvus's expr_params: numbers, strings, booleans and
// arrays of those.
using ExprTemplateValues = std::map<std::string, nlohmann::json>;

// The evaluation result: one byte per row, 1 = the row matches, 0 = it does not.
using FilterBitmap = std::vector<uint8_t>;

// Literals of an Int64 or VarChar field named by `field == v` / `field in [...]` (sorted, unique).
using ValueList = std::variant<std::vector<int64_t>, std::vector<std::string>>;
// Primary keys named by a plan that is exactly `pk == v` or `pk in [...]`.
using PrimaryKeys = ValueList;

class Plan;

// Parses and type-checks `text` against `schema`. `templates` may be null when the text has
// no `{name}` placeholders. Errors are InvalidArgument with a 0-based byte position: syntax
// errors say what was expected and what was found, unknown fields are named, type mismatches
// name both sides, missing template values are named, nesting deeper than 200 is refused.
Result<std::shared_ptr<const Plan>> ParseFilter(std::string_view text,
                                                const CollectionSchema& schema,
                                                const ExprTemplateValues* templates = nullptr);

// Evaluates `plan` over `rows` (columns found by field id); `out` is resized to rows.num_rows.
// InvalidArgument when a field the plan reads has no column in `rows`, a column of another
// type, or a length other than num_rows. JSON values that do not parse, missing JSON paths and
// JSON values of the wrong type never match (they are not errors).
Status EvaluateFilter(const Plan& plan, const RowBatch& rows, FilterBitmap* out);

// Field ids the plan reads, sorted and unique (load only these columns).
std::vector<int64_t> ReferencedFields(const Plan& plan);

// The primary keys when the plan is exactly `pk == v` or `pk in [...]` on the primary key
// field (either side of ==); nullopt otherwise.
std::optional<PrimaryKeys> PrimaryKeyLookup(const Plan& plan);

// The values an Int64 or VarChar `field` may take in rows that pass `plan`, read from the
// `field == v` / `field in [...]` conjuncts of the plan's top-level AND (nested ANDs
// included; several conjuncts are intersected). nullopt when there is no such conjunct, so
// any value may pass. A conjunct whose literals are not all of the field's type is ignored.
// Used to prune partitions by the partition key (engine/partition_key.h).
std::optional<ValueList> FieldValueLookup(const Plan& plan, const FieldSchema& field);

}  // namespace strata::expr
