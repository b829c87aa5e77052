// Scalar: one value of any filter type, viewed without copying, used where a value's type is
// only known per row (JSON) and to fold constants. Shared by the binder and the evaluator.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"
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

// The constants of an `in` list, split by type and sorted for binary search; numbers match
// numerically across integers and doubles. Immutable after construction.
class LiteralSet {
 public:
  // Views the strings of `list`, which must outlive the set.
  explicit LiteralSet(const std::vector<Literal>& list);

  bool ContainsInt(int64_t v) const;
  bool ContainsDouble(double v) const;
  bool ContainsString(std::string_view v) const;
  bool Contains(const Scalar& s) const;

 private:
  bool has_true_ = false, has_false_ = false;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<std::string_view> strings_;
};

// Numbers compare numerically (exactly when both are integers), strings byte-wise, booleans
// with == and != only. Any other pairing, and any monostate, is false for every operator.
bool CompareScalars(const Scalar& a, const Scalar& b, CmpOp op);

// The operator with its operands swapped: a < b  <=>  b > a.
CmpOp FlipCmp(CmpOp op);

// `a op b` on two numeric literals, folded at bind time: integers stay integers (except **);
// InvalidArgument with `pos` on integer overflow, division by zero or a non-finite result.
Result<Literal> FoldArith(ArithOp op, const Literal& a, const Literal& b, size_t pos);

}  // namespace strata::expr
