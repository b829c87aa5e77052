// Scalar: one value of any filter type, viewed without copying, used where a value's type is
// only known per row (JSON) and to fold constants. Shared by the binder and the evaluator.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>

#include "expr/plan.h"

namespace strata::expr {

// monostate: no value (missing JSON path, null, object, array, invalid arithmetic).
using Scalar = std::variant<std::monostate, bool, int64_t, double, std::string_view>;

// Views `lit`, which must outlive the result.
Scalar ScalarOf(const Literal& lit);
// Views a JSON scalar; nullptr, null, objects and arrays are monostate. Unsigned integers
// above INT64_MAX become doubles.
Scalar ScalarOf(const nlohmann::json* value);

template <typename T>
bool ApplyCmp(const T& a, const T& b, CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return a == b;
    case CmpOp::kNe:
      return a != b;
    case CmpOp::kLt:
      return a < b;
    case CmpOp::kLe:
      return a <= b;
    case CmpOp::kGt:
      return a > b;
    case CmpOp::kGe:
      return a >= b;
  }
  return false;
}

// Numbers compare numerically (exactly when both are integers), strings byte-wise, booleans
// with == and != only. Any other pairing, and any monostate, is false for every operator.
bool CompareScalars(const Scalar& a, const Scalar& b, CmpOp op);

// The operator with its operands swapped: a < b  <=>  b > a.
CmpOp FlipCmp(CmpOp op);

}  // namespace strata::expr
