// Array fields in filters: the binder's type rules for values looked up in or compared with
// an Array field, and the evaluator's column loops over array cells (schema/array_cell.h).
// Internal to src/expr. Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "expr/plan.h"
#include "expr/scalar.h"
#include "schema/column.h"

namespace strata::expr {

// The static type of a[i] for an Array field of `element` type.
ValueType ArrayElementValueType(DataType element);

// Checks that `value` may be an element of `ref`'s Array field: an integer for integer
// elements, a number for Float and Double, a string for VarChar, a boolean for Bool.
// InvalidArgument naming `what`, the field, its element type and `pos` otherwise.
Status CheckArrayValue(const FieldRef& ref, const nlohmann::json& value, std::string_view what,
                       size_t pos);

// The list `a == [..]` compares with, as a cell of `ref`'s element type; every item passes
// CheckArrayValue and Int8/Int16/Int32 items fit their type.
Result<std::string> EncodeArrayList(const FieldRef& ref, const nlohmann::json& list, size_t pos);

// Element `index` of every row of an Array column; monostate where the row is shorter.
// String elements view the column's cells.
std::vector<Scalar> ArrayElements(const Column& column, int64_t index);

// Elements per row.
std::vector<int64_t> ArrayLengths(const Column& column);

// One byte per row: whether the row's array holds the value (kOne), all the values (kAll) or
// any of them (kAny). Numbers compare numerically; values of other types never match.
std::vector<uint8_t> ArrayContains(const Column& column, ContainsKind kind,
                                   const std::vector<nlohmann::json>& values);

// One byte per row: whether the row's cell equals `cell`, inverted when `negated`.
std::vector<uint8_t> ArrayEquals(const Column& column, std::string_view cell, bool negated);

}  // namespace strata::expr
