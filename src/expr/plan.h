// The typed filter plan: what the binder produces from the syntax tree and the evaluator runs.
// Internal to src/expr; callers use the opaque expr::Plan through expr.h. Every node is
// immutable once built, so a plan may be evaluated from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "expr/expr.h"
#include "expr/like.h"
#include "schema/data_type.h"

namespace strata::expr {

// Static type of a value expression. kJson values are typed per row; kArray is a whole Array
// field (its elements, a[i], have the element's type).
enum class ValueType { kBool, kInt, kFloat, kString, kJson, kArray };

enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };
enum class ArithOp { kAdd, kSub, kMul, kDiv, kMod, kPow };

using Literal = std::variant<bool, int64_t, double, std::string>;
using PathStep = std::variant<std::string, int64_t>;  // object key or array index

// A field, a path inside a JSON field, or one element of an Array field (path: one index);
// path empty for the whole field.
struct FieldRef {
  int64_t field_id = 0;
  std::string name;
  DataType type = DataType::kNone;
  std::vector<PathStep> path;
  DataType element_type = DataType::kNone;  // Array fields
};

struct Operand;
using OperandPtr = std::shared_ptr<const Operand>;

struct ArithNode {
  ArithOp op;
  OperandPtr lhs, rhs;
};
struct ArrayLengthNode {
  FieldRef ref;  // a JSON field or path, or an Array field
};

struct Operand {
  ValueType type;
  std::variant<Literal, FieldRef, ArithNode, ArrayLengthNode> node;
};

struct Pred;
using PredPtr = std::shared_ptr<const Pred>;

struct ConstNode {
  bool value;
};
struct CompareNode {
  CmpOp op;
  OperandPtr lhs, rhs;  // never Literal vs Literal; a lone Literal is always rhs
};
struct InNode {
  OperandPtr value;
  std::vector<Literal> list;
  bool negated;
};
struct LikeNode {
  FieldRef ref;  // VarChar field or JSON path
  LikePattern pattern;
};
struct ExistsNode {
  FieldRef ref;
};
enum class ContainsKind { kOne, kAll, kAny };
struct ContainsNode {
  ContainsKind kind;
  FieldRef ref;                        // a JSON field or path, or an Array field
  std::vector<nlohmann::json> values;  // kOne: exactly one
};
// `a == [..]` / `a != [..]` on an Array field: the list encoded as an array cell of the
// field's element type (schema/array_cell.h), compared byte for byte.
struct ArrayEqualNode {
  FieldRef ref;
  std::string cell;
  bool negated;
};
struct IsNullNode {
  FieldRef ref;
  bool negated;
};
struct LogicalNode {
  bool is_and;
  std::vector<PredPtr> children;
};
struct NotNode {
  PredPtr child;
};

struct Pred {
  std::variant<ConstNode, CompareNode, InNode, LikeNode, ExistsNode, ContainsNode, ArrayEqualNode,
               IsNullNode, LogicalNode, NotNode>
      node;
};

class Plan {
 public:
  Plan(PredPtr root, std::vector<FieldRef> fields, std::optional<PrimaryKeys> pk_keys)
      : root_(std::move(root)), fields_(std::move(fields)), pk_keys_(std::move(pk_keys)) {}

  const Pred& root() const { return *root_; }
  // One entry per referenced field (path empty), sorted by field id.
  const std::vector<FieldRef>& fields() const { return fields_; }
  const std::optional<PrimaryKeys>& pk_keys() const { return pk_keys_; }

 private:
  PredPtr root_;
  std::vector<FieldRef> fields_;
  std::optional<PrimaryKeys> pk_keys_;
};

}  // namespace strata::expr
