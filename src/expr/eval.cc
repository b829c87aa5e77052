// Vectorized evaluation: every plan node runs over all rows at once and yields one byte per
// row; logical nodes combine those byte vectors. Typed columns compared with constants run in
// tight per-type loops; JSON values, whose types vary per row, go through Scalar.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "expr/array_ops.h"
#include "expr/plan.h"
#include "expr/scalar.h"

namespace strata::expr {
namespace {

using nlohmann::json;
// Per row: 1 = true, 0 = false, kUnknown = the predicate read a null (Milvus semantics: a
// comparison with null is neither true nor false, `not` keeps it unknown, and only true rows
// match). Nodes that cannot meet a null yield only 0 and 1.
using Bits = std::vector<uint8_t>;
constexpr uint8_t kUnknown = 2;

uint8_t And3(uint8_t a, uint8_t b) {
  if (a == 0 || b == 0) return 0;
  return a == kUnknown || b == kUnknown ? kUnknown : 1;
}
uint8_t Or3(uint8_t a, uint8_t b) {
  if (a == 1 || b == 1) return 1;
  return a == kUnknown || b == kUnknown ? kUnknown : 0;
}

// Numbers for arithmetic: int64 when the static type is integer, else double.
struct NumVec {
  bool is_int = true;
  std::vector<int64_t> i;
  std::vector<double> d;
  Bits valid;  // empty: every row valid

  double At(size_t r) const { return is_int ? static_cast<double>(i[r]) : d[r]; }
  bool Valid(size_t r) const { return valid.empty() || valid[r] != 0; }
};

// Numbers from per-row scalars of one static numeric type (array elements); monostate rows
// are invalid.
NumVec NumOf(const std::vector<Scalar>& values, bool is_int) {
  NumVec out;
  out.is_int = is_int;
  (is_int ? out.i.resize(values.size()) : out.d.resize(values.size()));
  out.valid.assign(values.size(), 0);
  for (size_t r = 0; r < values.size(); ++r) {
    if (const auto* i = std::get_if<int64_t>(&values[r]); i != nullptr && is_int) out.i[r] = *i;
    if (const auto* d = std::get_if<double>(&values[r]); d != nullptr && !is_int) out.d[r] = *d;
    out.valid[r] = !std::holds_alternative<std::monostate>(values[r]);
  }
  return out;
}

int64_t IndexOf(const FieldRef& ref) { return std::get<int64_t>(ref.path.front()); }

template <typename T, typename U>
Bits CompareLoop(const std::vector<T>& values, U c, CmpOp op) {
  Bits out(values.size());
  const size_t n = values.size();
  switch (op) {
    case CmpOp::kEq:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) == c;
      break;
    case CmpOp::kNe:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) != c;
      break;
    case CmpOp::kLt:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) < c;
      break;
    case CmpOp::kLe:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) <= c;
      break;
    case CmpOp::kGt:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) > c;
      break;
    case CmpOp::kGe:
      for (size_t r = 0; r < n; ++r) out[r] = static_cast<U>(values[r]) >= c;
      break;
  }
  return out;
}

template <typename T>
Bits CompareVectors(const std::vector<T>& a, const std::vector<T>& b, CmpOp op) {
  Bits out(a.size());
  for (size_t r = 0; r < a.size(); ++r) out[r] = ApplyCmp(a[r], b[r], op);
  return out;
}

// Integer arithmetic wraps on overflow (computed unsigned, so never undefined); division and
// remainder by zero make the row invalid.
bool IntArith(ArithOp op, int64_t a, int64_t b, int64_t* r) {
  auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  switch (op) {
    case ArithOp::kAdd:
      *r = static_cast<int64_t>(ua + ub);
      return true;
    case ArithOp::kSub:
      *r = static_cast<int64_t>(ua - ub);
      return true;
    case ArithOp::kMul:
      *r = static_cast<int64_t>(ua * ub);
      return true;
    case ArithOp::kDiv:
    case ArithOp::kMod:
      if (b == 0) return false;
      if (b == -1) {
        *r = op == ArithOp::kDiv ? static_cast<int64_t>(0 - ua) : 0;
        return true;
      }
      *r = op == ArithOp::kDiv ? a / b : a % b;
      return true;
    case ArithOp::kPow:
      return false;  // the binder types ** as floating-point
  }
  return false;
}

double FloatArith(ArithOp op, double a, double b) {
  switch (op) {
    case ArithOp::kAdd:
      return a + b;
    case ArithOp::kSub:
      return a - b;
    case ArithOp::kMul:
      return a * b;
    case ArithOp::kDiv:
      return a / b;
    case ArithOp::kMod:
      return std::fmod(a, b);
    case ArithOp::kPow:
      return std::pow(a, b);
  }
  return 0;
}

class Evaluator {
 public:
  explicit Evaluator(const RowBatch& rows) : rows_(rows), n_(static_cast<size_t>(rows.num_rows)) {}

  Bits Eval(const Pred& pred) {
    return std::visit([this](const auto& node) { return EvalNode(node); }, pred.node);
  }

 private:
  const Column& Col(const FieldRef& ref) const { return *rows_.FindColumn(ref.field_id); }

  // Rows where a nullable field the predicate reads is null become unknown.
  void MarkNulls(const FieldRef& ref, Bits& out) const {
    const Column& column = Col(ref);
    if (!column.nullable()) return;
    for (size_t r = 0; r < n_; ++r)
      if (column.IsNull(static_cast<int64_t>(r))) out[r] = kUnknown;
  }
  void MarkNulls(const Operand& operand, Bits& out) const {
    if (const auto* ref = std::get_if<FieldRef>(&operand.node)) MarkNulls(*ref, out);
    if (const auto* len = std::get_if<ArrayLengthNode>(&operand.node)) MarkNulls(len->ref, out);
    if (const auto* arith = std::get_if<ArithNode>(&operand.node)) {
      MarkNulls(*arith->lhs, out);
      MarkNulls(*arith->rhs, out);
    }
  }

  // Each JSON column is parsed once per evaluation, however many nodes read it.
  const std::vector<json>& Docs(const FieldRef& ref) {
    auto [it, inserted] = docs_.try_emplace(ref.field_id);
    if (inserted) {
      const auto& texts = Col(ref).values<std::string>();
      it->second.reserve(texts.size());
      for (const std::string& text : texts)
        it->second.push_back(json::parse(text, nullptr, /*allow_exceptions=*/false));
    }
    return it->second;
  }

  // The value at ref's path in each row; nullptr where the path is missing or the text invalid.
  std::vector<const json*> Resolve(const FieldRef& ref) {
    const std::vector<json>& docs = Docs(ref);
    std::vector<const json*> out(n_, nullptr);
    for (size_t r = 0; r < n_; ++r) {
      const json* v = &docs[r];
      if (v->is_discarded()) continue;
      for (const PathStep& step : ref.path) {
        if (const auto* key = std::get_if<std::string>(&step)) {
          if (!v->is_object()) {
            v = nullptr;
            break;
          }
          auto it = v->find(*key);
          v = it == v->end() ? nullptr : &*it;
        } else {
          auto index = static_cast<uint64_t>(std::get<int64_t>(step));
          v = v->is_array() && index < v->size() ? &(*v)[index] : nullptr;
        }
        if (v == nullptr) break;
      }
      out[r] = v;
    }
    return out;
  }

  NumVec Num(const Operand& operand) {
    NumVec out;
    if (const auto* lit = std::get_if<Literal>(&operand.node)) {
      if (const auto* v = std::get_if<int64_t>(lit)) {
        out.i.assign(n_, *v);
      } else {
        out.is_int = false;
        out.d.assign(n_, std::get<double>(*lit));
      }
    } else if (const auto* ref = std::get_if<FieldRef>(&operand.node)) {
      if (ref->type == DataType::kArray) {
        out = NumOf(ArrayElements(Col(*ref), IndexOf(*ref)), operand.type == ValueType::kInt);
      } else if (ref->type == DataType::kJson) {
        out.is_int = false;
        out.d.assign(n_, 0);
        out.valid.assign(n_, 0);
        std::vector<const json*> values = Resolve(*ref);
        for (size_t r = 0; r < n_; ++r) {
          if (values[r] == nullptr || !values[r]->is_number()) continue;
          out.d[r] = values[r]->get<double>();
          out.valid[r] = 1;
        }
      } else {
        std::visit(
            [&](const auto& v) {
              using T = typename std::decay_t<decltype(v)>::value_type;
              if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
                out.i.assign(v.begin(), v.end());
              } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
                out.is_int = false;
                out.d.assign(v.begin(), v.end());
              }
            },
            Col(*ref).raw());
      }
    } else if (const auto* len = std::get_if<ArrayLengthNode>(&operand.node);
               len != nullptr && len->ref.type == DataType::kArray) {
      out.i = ArrayLengths(Col(len->ref));
    } else if (const auto* len = std::get_if<ArrayLengthNode>(&operand.node)) {
      out.i.assign(n_, 0);
      out.valid.assign(n_, 0);
      std::vector<const json*> values = Resolve(len->ref);
      for (size_t r = 0; r < n_; ++r) {
        if (values[r] == nullptr || !values[r]->is_array()) continue;
        out.i[r] = static_cast<int64_t>(values[r]->size());
        out.valid[r] = 1;
      }
    } else {
      const auto& arith = std::get<ArithNode>(operand.node);
      NumVec a = Num(*arith.lhs), b = Num(*arith.rhs);
      if (!a.valid.empty() || !b.valid.empty()) {
        out.valid.assign(n_, 0);
        for (size_t r = 0; r < n_; ++r) out.valid[r] = a.Valid(r) && b.Valid(r);
      }
      if (operand.type == ValueType::kInt) {
        out.i.assign(n_, 0);
        if (out.valid.empty()) out.valid.assign(n_, 1);
        for (size_t r = 0; r < n_; ++r)
          out.valid[r] = out.valid[r] && IntArith(arith.op, a.i[r], b.i[r], &out.i[r]);
      } else {
        out.is_int = false;
        out.d.resize(n_);
        for (size_t r = 0; r < n_; ++r) out.d[r] = FloatArith(arith.op, a.At(r), b.At(r));
      }
    }
    return out;
  }

  std::vector<Scalar> Scalars(const Operand& operand) {
    std::vector<Scalar> out(n_);
    if (const auto* lit = std::get_if<Literal>(&operand.node)) {
      std::fill(out.begin(), out.end(), ScalarOf(*lit));
    } else if (const auto* ref = std::get_if<FieldRef>(&operand.node)) {
      if (ref->type == DataType::kArray) {
        out = ArrayElements(Col(*ref), IndexOf(*ref));
      } else if (ref->type == DataType::kJson) {
        std::vector<const json*> values = Resolve(*ref);
        for (size_t r = 0; r < n_; ++r) out[r] = ScalarOf(values[r]);
      } else {
        std::visit(
            [&](const auto& v) {
              using T = typename std::decay_t<decltype(v)>::value_type;
              for (size_t r = 0; r < n_; ++r) {
                if constexpr (std::is_same_v<T, uint8_t>) {
                  out[r] = v[r] != 0;
                } else if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
                  out[r] = static_cast<int64_t>(v[r]);
                } else if constexpr (std::is_same_v<T, std::string>) {
                  out[r] = std::string_view(v[r]);
                } else {
                  out[r] = static_cast<double>(v[r]);
                }
              }
            },
            Col(*ref).raw());
      }
    } else {
      NumVec num = Num(operand);
      for (size_t r = 0; r < n_; ++r) {
        if (!num.Valid(r)) continue;
        if (num.is_int) {
          out[r] = num.i[r];
        } else {
          out[r] = num.d[r];
        }
      }
    }
    return out;
  }

  Bits CompareColumn(const Column& column, CmpOp op, const Literal& lit) {
    return std::visit(
        [&](const auto& v) -> Bits {
          using T = typename std::decay_t<decltype(v)>::value_type;
          if constexpr (std::is_same_v<T, uint8_t>) {
            return CompareLoop(v, static_cast<uint8_t>(std::get<bool>(lit)), op);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return CompareLoop(v, std::string_view(std::get<std::string>(lit)), op);
          } else if constexpr (std::is_integral_v<T>) {
            if (const auto* i = std::get_if<int64_t>(&lit)) return CompareLoop(v, *i, op);
            return CompareLoop(v, std::get<double>(lit), op);
          } else {
            if (const auto* i = std::get_if<int64_t>(&lit))
              return CompareLoop(v, static_cast<double>(*i), op);
            return CompareLoop(v, std::get<double>(lit), op);
          }
        },
        column.raw());
  }

  Bits EvalNode(const ConstNode& node) { return Bits(n_, node.value ? 1 : 0); }

  Bits EvalNode(const CompareNode& node) {
    Bits out = CompareValues(node);
    MarkNulls(*node.lhs, out);
    MarkNulls(*node.rhs, out);
    return out;
  }

  Bits CompareValues(const CompareNode& node) {
    const auto* ref = std::get_if<FieldRef>(&node.lhs->node);
    const auto* lit = std::get_if<Literal>(&node.rhs->node);
    if (ref != nullptr && lit != nullptr && ref->path.empty() && ref->type != DataType::kJson)
      return CompareColumn(Col(*ref), node.op, *lit);
    auto numeric = [](ValueType t) { return t == ValueType::kInt || t == ValueType::kFloat; };
    if (numeric(node.lhs->type) && numeric(node.rhs->type)) {
      NumVec a = Num(*node.lhs), b = Num(*node.rhs);
      Bits out;
      if (a.is_int && b.is_int) {
        out = CompareVectors(a.i, b.i, node.op);
      } else {
        if (a.is_int) a.d.assign(a.i.begin(), a.i.end());
        if (b.is_int) b.d.assign(b.i.begin(), b.i.end());
        out = CompareVectors(a.d, b.d, node.op);
      }
      for (size_t r = 0; r < n_; ++r) out[r] = out[r] && a.Valid(r) && b.Valid(r);
      return out;
    }
    std::vector<Scalar> a = Scalars(*node.lhs), b = Scalars(*node.rhs);
    Bits out(n_);
    for (size_t r = 0; r < n_; ++r) out[r] = CompareScalars(a[r], b[r], node.op);
    return out;
  }

  Bits EvalNode(const InNode& node) {
    Bits out = InValues(node);
    MarkNulls(*node.value, out);
    return out;
  }

  Bits InValues(const InNode& node) {
    LiteralSet set(node.list);
    Bits out(n_);
    const auto* ref = std::get_if<FieldRef>(&node.value->node);
    if (ref != nullptr && ref->path.empty() && ref->type != DataType::kJson) {
      std::visit(
          [&](const auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            for (size_t r = 0; r < n_; ++r) {
              bool found;
              if constexpr (std::is_same_v<T, uint8_t>) {
                found = set.Contains(Scalar(v[r] != 0));
              } else if constexpr (std::is_same_v<T, std::string>) {
                found = set.ContainsString(v[r]);
              } else if constexpr (std::is_integral_v<T>) {
                found = set.ContainsInt(v[r]);
              } else {
                found = set.ContainsDouble(v[r]);
              }
              out[r] = found != node.negated;
            }
          },
          Col(*ref).raw());
      return out;
    }
    // JSON paths and arithmetic: a row without a value matches neither `in` nor `not in`.
    std::vector<Scalar> values = Scalars(*node.value);
    for (size_t r = 0; r < n_; ++r) {
      if (std::holds_alternative<std::monostate>(values[r])) continue;
      out[r] = set.Contains(values[r]) != node.negated;
    }
    return out;
  }

  Bits EvalNode(const LikeNode& node) {
    Bits out(n_);
    if (node.ref.type == DataType::kArray) {
      std::vector<Scalar> values = ArrayElements(Col(node.ref), IndexOf(node.ref));
      for (size_t r = 0; r < n_; ++r) {
        const auto* text = std::get_if<std::string_view>(&values[r]);
        out[r] = text != nullptr && node.pattern.Match(*text);
      }
    } else if (node.ref.type != DataType::kJson) {
      const auto& texts = Col(node.ref).values<std::string>();
      for (size_t r = 0; r < n_; ++r) out[r] = node.pattern.Match(texts[r]);
    } else {
      std::vector<const json*> values = Resolve(node.ref);
      for (size_t r = 0; r < n_; ++r)
        out[r] = values[r] != nullptr && values[r]->is_string() &&
                 node.pattern.Match(values[r]->get_ref<const std::string&>());
    }
    MarkNulls(node.ref, out);
    return out;
  }

  Bits EvalNode(const ExistsNode& node) {
    std::vector<const json*> values = Resolve(node.ref);
    Bits out(n_);
    for (size_t r = 0; r < n_; ++r) out[r] = values[r] != nullptr;
    MarkNulls(node.ref, out);
    return out;
  }

  Bits EvalNode(const ArrayEqualNode& node) {
    Bits out = ArrayEquals(Col(node.ref), node.cell, node.negated);
    MarkNulls(node.ref, out);
    return out;
  }

  Bits EvalNode(const ContainsNode& node) {
    if (node.ref.type == DataType::kArray) {
      Bits out = ArrayContains(Col(node.ref), node.kind, node.values);
      MarkNulls(node.ref, out);
      return out;
    }
    std::vector<const json*> values = Resolve(node.ref);
    Bits out(n_);
    for (size_t r = 0; r < n_; ++r) {
      const json* array = values[r];
      if (array == nullptr || !array->is_array()) continue;
      // nlohmann's == compares integers and floats numerically, as Milvus does.
      auto has = [array](const json& v) {
        return std::find(array->begin(), array->end(), v) != array->end();
      };
      switch (node.kind) {
        case ContainsKind::kOne:
          out[r] = has(node.values.front());
          break;
        case ContainsKind::kAll:
          out[r] = std::all_of(node.values.begin(), node.values.end(), has);
          break;
        case ContainsKind::kAny:
          out[r] = std::any_of(node.values.begin(), node.values.end(), has);
          break;
      }
    }
    MarkNulls(node.ref, out);
    return out;
  }

  Bits EvalNode(const IsNullNode& node) {
    Bits out(n_);
    if (!node.ref.path.empty()) {  // a JSON path: a null row, a missing key or JSON null
      std::vector<const json*> values = Resolve(node.ref);
      for (size_t r = 0; r < n_; ++r)
        out[r] = (values[r] == nullptr || values[r]->is_null()) != node.negated;
      return out;
    }
    const Column& column = Col(node.ref);
    for (size_t r = 0; r < n_; ++r) out[r] = column.IsNull(static_cast<int64_t>(r)) != node.negated;
    return out;
  }

  Bits EvalNode(const LogicalNode& node) {
    Bits acc = Eval(*node.children.front());
    const uint8_t decided = node.is_and ? 0 : 1;  // the value that settles a row
    for (size_t c = 1; c < node.children.size(); ++c) {
      if (std::all_of(acc.begin(), acc.end(), [decided](uint8_t b) { return b == decided; })) break;
      Bits next = Eval(*node.children[c]);
      if (node.is_and) {
        for (size_t r = 0; r < n_; ++r) acc[r] = And3(acc[r], next[r]);
      } else {
        for (size_t r = 0; r < n_; ++r) acc[r] = Or3(acc[r], next[r]);
      }
    }
    return acc;
  }

  Bits EvalNode(const NotNode& node) {
    Bits out = Eval(*node.child);
    for (uint8_t& b : out)
      if (b != kUnknown) b ^= 1;
    return out;
  }

  const RowBatch& rows_;
  size_t n_;
  std::map<int64_t, std::vector<json>> docs_;
};

bool StorageMatches(const Column& column) {
  const ColumnValues& v = column.raw();
  switch (column.type()) {
    case DataType::kBool:
      return std::holds_alternative<std::vector<uint8_t>>(v);
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
      return std::holds_alternative<std::vector<int32_t>>(v);
    case DataType::kInt64:
      return std::holds_alternative<std::vector<int64_t>>(v);
    case DataType::kFloat:
      return std::holds_alternative<std::vector<float>>(v);
    case DataType::kDouble:
      return std::holds_alternative<std::vector<double>>(v);
    default:
      return std::holds_alternative<std::vector<std::string>>(v);
  }
}

}  // namespace

Status EvaluateFilter(const Plan& plan, const RowBatch& rows, FilterBitmap* out) {
  if (rows.num_rows < 0) return InvalidArgument("row batch has a negative row count");
  for (const FieldRef& field : plan.fields()) {
    const Column* column = rows.FindColumn(field.field_id);
    if (column == nullptr)
      return InvalidArgument(fmt::format("filter reads field '{}' (id {}), which the batch lacks",
                                         field.name, field.field_id));
    if (column->type() != field.type || column->element_type() != field.element_type ||
        !StorageMatches(*column))
      return InvalidArgument(fmt::format("column of field '{}' has type {}, the plan expects {}",
                                         field.name, DataTypeName(column->type()),
                                         DataTypeName(field.type)));
    if (column->size() != rows.num_rows)
      return InvalidArgument(fmt::format("column of field '{}' has {} rows, the batch has {}",
                                         field.name, column->size(), rows.num_rows));
    if (column->nullable() && static_cast<int64_t>(column->validity().size()) != rows.num_rows)
      return InvalidArgument(fmt::format("column of field '{}' has {} validity flags, the batch {}",
                                         field.name, column->validity().size(), rows.num_rows));
  }
  *out = Evaluator(rows).Eval(plan.root());
  for (uint8_t& b : *out)
    if (b == kUnknown) b = 0;
  return Status::Ok();
}

}  // namespace strata::expr
