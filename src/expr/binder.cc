#include "expr/binder.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>

#include "expr/array_ops.h"
#include "expr/scalar.h"

namespace strata::expr {
namespace {

using nlohmann::json;

Status ErrorAt(size_t pos, std::string message) {
  return InvalidArgument(fmt::format("{} (at position {})", message, pos));
}

bool IsNumeric(ValueType t) { return t == ValueType::kInt || t == ValueType::kFloat; }

const char* TypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool:
      return "boolean";
    case ValueType::kInt:
      return "integer";
    case ValueType::kFloat:
      return "floating-point";
    case ValueType::kString:
      return "string";
    case ValueType::kJson:
      return "JSON";
    case ValueType::kArray:
      return "array";
  }
  return "unknown";
}

std::string DescribeLiteral(const Literal& lit) {
  switch (lit.index()) {
    case 0:
      return fmt::format("boolean {}", std::get<bool>(lit));
    case 1:
      return fmt::format("integer {}", std::get<int64_t>(lit));
    case 2:
      return fmt::format("number {}", std::get<double>(lit));
    default:
      return "string " + QuoteForMessage(std::get<std::string>(lit));
  }
}

std::string PathText(const FieldRef& ref) {
  std::string out = ref.name;
  for (const PathStep& step : ref.path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      out += fmt::format("[{}]", QuoteForMessage(*key));
    } else {
      out += fmt::format("[{}]", std::get<int64_t>(step));
    }
  }
  return out;
}

std::string Describe(const Operand& o) {
  if (const auto* lit = std::get_if<Literal>(&o.node)) return DescribeLiteral(*lit);
  if (const auto* ref = std::get_if<FieldRef>(&o.node)) {
    if (!ref->path.empty() && ref->type == DataType::kArray)
      return fmt::format("array element {} ({})", PathText(*ref), DataTypeName(ref->element_type));
    if (!ref->path.empty()) return fmt::format("JSON path {}", PathText(*ref));
    return fmt::format("field '{}' ({})", ref->name, DataTypeName(ref->type));
  }
  if (const auto* len = std::get_if<ArrayLengthNode>(&o.node))
    return fmt::format("array_length({})", PathText(len->ref));
  return fmt::format("{} arithmetic expression", TypeName(o.type));
}

Result<ValueType> ValueTypeOf(DataType type) {
  switch (type) {
    case DataType::kBool:
      return ValueType::kBool;
    case DataType::kInt8:
    case DataType::kInt16:
    case DataType::kInt32:
    case DataType::kInt64:
      return ValueType::kInt;
    case DataType::kFloat:
    case DataType::kDouble:
      return ValueType::kFloat;
    case DataType::kString:
    case DataType::kVarChar:
      return ValueType::kString;
    case DataType::kJson:
      return ValueType::kJson;
    case DataType::kArray:
      return ValueType::kArray;
    default:
      return InvalidArgument("unsupported type");
  }
}

json LiteralToJson(const Literal& lit) {
  return std::visit([](const auto& v) { return json(v); }, lit);
}

PredPtr MakePred(auto node) { return std::make_shared<const Pred>(Pred{std::move(node)}); }
OperandPtr MakeOperand(ValueType type, auto node) {
  return std::make_shared<const Operand>(Operand{type, std::move(node)});
}

ArithOp ArithOpOf(TokenKind k) {
  switch (k) {
    case TokenKind::kPlus:
      return ArithOp::kAdd;
    case TokenKind::kMinus:
      return ArithOp::kSub;
    case TokenKind::kStar:
      return ArithOp::kMul;
    case TokenKind::kSlash:
      return ArithOp::kDiv;
    case TokenKind::kPercent:
      return ArithOp::kMod;
    default:
      return ArithOp::kPow;
  }
}

CmpOp CmpOpOf(TokenKind k) {
  switch (k) {
    case TokenKind::kEq:
      return CmpOp::kEq;
    case TokenKind::kNe:
      return CmpOp::kNe;
    case TokenKind::kLt:
      return CmpOp::kLt;
    case TokenKind::kLe:
      return CmpOp::kLe;
    case TokenKind::kGt:
      return CmpOp::kGt;
    default:
      return CmpOp::kGe;
  }
}

bool IsZero(const Operand& o) {
  const auto* lit = std::get_if<Literal>(&o.node);
  if (lit == nullptr) return false;
  if (const auto* i = std::get_if<int64_t>(lit)) return *i == 0;
  if (const auto* d = std::get_if<double>(lit)) return *d == 0;
  return false;
}

class Binder {
 public:
  Binder(const CollectionSchema& schema, const ExprTemplateValues* templates)
      : schema_(schema), templates_(templates) {}

  Result<PredPtr> Predicate(const Ast& ast) {
    switch (ast.kind) {
      case AstKind::kAnd:
      case AstKind::kOr: {
        LogicalNode node{ast.kind == AstKind::kAnd, {}};
        for (const auto& child : ast.children) {
          ASSIGN_OR_RETURN(PredPtr p, Predicate(*child));
          node.children.push_back(std::move(p));
        }
        return MakePred(std::move(node));
      }
      case AstKind::kNot: {
        ASSIGN_OR_RETURN(PredPtr child, Predicate(*ast.children[0]));
        return MakePred(NotNode{std::move(child)});
      }
      case AstKind::kCompare: {
        for (int side : {0, 1}) {
          const Ast& other = *ast.children[1 - side];
          if (!IsList(*ast.children[side]) || IsList(other)) continue;
          ASSIGN_OR_RETURN(OperandPtr value, Value(other));
          if (value->type == ValueType::kArray)
            return ArrayEquality(ast, *ast.children[side], std::move(value));
        }
        ASSIGN_OR_RETURN(OperandPtr lhs, Value(*ast.children[0]));
        ASSIGN_OR_RETURN(OperandPtr rhs, Value(*ast.children[1]));
        return Compare(CmpOpOf(ast.op), std::move(lhs), std::move(rhs), ast.pos);
      }
      case AstKind::kRange: {
        ASSIGN_OR_RETURN(OperandPtr low, Value(*ast.children[0]));
        ASSIGN_OR_RETURN(OperandPtr mid, Value(*ast.children[1]));
        ASSIGN_OR_RETURN(OperandPtr high, Value(*ast.children[2]));
        ASSIGN_OR_RETURN(PredPtr first, Compare(CmpOpOf(ast.op), low, mid, ast.pos));
        ASSIGN_OR_RETURN(PredPtr second, Compare(CmpOpOf(ast.op2), mid, high, ast.pos));
        return MakePred(LogicalNode{true, {std::move(first), std::move(second)}});
      }
      case AstKind::kIn:
        return In(ast);
      case AstKind::kLike:
        return Like(ast);
      case AstKind::kIsNull: {
        ASSIGN_OR_RETURN(FieldRef ref, Field(*ast.children[0]));
        // On a JSON path or dynamic key, null means the key is missing or holds JSON null
        // (Milvus rewrites `meta["a"] is null` to `not exists meta["a"]`).
        if (!ref.path.empty() && ref.type != DataType::kJson)
          return ErrorAt(ast.pos,
                         "'is null' does not apply to an array element (elements are never "
                         "null); compare array_length instead");
        return MakePred(IsNullNode{std::move(ref), ast.negated});
      }
      case AstKind::kExists: {
        ASSIGN_OR_RETURN(FieldRef ref, Field(*ast.children[0]));
        if (ref.path.empty() || ref.type != DataType::kJson)
          return ErrorAt(ast.pos,
                         fmt::format("exists needs a JSON path such as {}[\"key\"]", ref.name));
        return MakePred(ExistsNode{std::move(ref)});
      }
      case AstKind::kCall:
        return Call(ast);
      default:
        break;
    }
    // A lone value: true/false, a Bool field, or a JSON path holding a boolean.
    ASSIGN_OR_RETURN(OperandPtr value, Value(ast));
    if (const auto* lit = std::get_if<Literal>(&value->node)) {
      if (const auto* b = std::get_if<bool>(lit)) return MakePred(ConstNode{*b});
    }
    if (value->type == ValueType::kBool ||
        (value->type == ValueType::kJson && std::holds_alternative<FieldRef>(value->node)))
      return Compare(CmpOp::kEq, value, MakeOperand(ValueType::kBool, Literal(true)), ast.pos);
    return ErrorAt(ast.pos,
                   fmt::format("expected a boolean expression, found {}", Describe(*value)));
  }

 private:
  Result<OperandPtr> Value(const Ast& ast) {
    switch (ast.kind) {
      case AstKind::kInt:
        if (ast.int_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return ErrorAt(ast.pos, fmt::format("integer literal {} is out of range", ast.int_value));
        return MakeOperand(ValueType::kInt, Literal(static_cast<int64_t>(ast.int_value)));
      case AstKind::kFloat:
        return MakeOperand(ValueType::kFloat, Literal(ast.float_value));
      case AstKind::kString:
        return MakeOperand(ValueType::kString, Literal(ast.text));
      case AstKind::kBool:
        return MakeOperand(ValueType::kBool, Literal(ast.bool_value));
      case AstKind::kTemplate: {
        ASSIGN_OR_RETURN(const json* value, Template(ast));
        if (value->is_array())
          return ErrorAt(ast.pos, fmt::format("template value '{}' is a list; lists are only "
                                              "valid after 'in' or in json_contains functions",
                                              ast.text));
        ASSIGN_OR_RETURN(Literal lit, LiteralFromJson(*value, ast.pos));
        return LiteralOperand(std::move(lit));
      }
      case AstKind::kIdent:
      case AstKind::kIndex: {
        ASSIGN_OR_RETURN(FieldRef ref, Field(ast));
        ASSIGN_OR_RETURN(ValueType type, ValueTypeOf(ref.type));
        if (type == ValueType::kArray && !ref.path.empty())
          type = ArrayElementValueType(ref.element_type);
        return MakeOperand(type, std::move(ref));
      }
      case AstKind::kUnary: {
        const Ast& child = *ast.children[0];
        if (ast.op == TokenKind::kMinus && child.kind == AstKind::kInt &&
            child.int_value == kMaxIntMagnitude)
          return MakeOperand(ValueType::kInt, Literal(std::numeric_limits<int64_t>::min()));
        ASSIGN_OR_RETURN(OperandPtr operand, Value(child));
        if (!IsNumeric(operand->type) && operand->type != ValueType::kJson)
          return ErrorAt(ast.pos,
                         fmt::format("unary '{}' needs a number, found {}",
                                     ast.op == TokenKind::kMinus ? '-' : '+', Describe(*operand)));
        if (ast.op == TokenKind::kPlus) return operand;
        return Arith(ArithOp::kSub, LiteralOperand(Literal(int64_t{0})), std::move(operand),
                     ast.pos);
      }
      case AstKind::kArith: {
        ASSIGN_OR_RETURN(OperandPtr lhs, Value(*ast.children[0]));
        ASSIGN_OR_RETURN(OperandPtr rhs, Value(*ast.children[1]));
        return Arith(ArithOpOf(ast.op), std::move(lhs), std::move(rhs), ast.pos);
      }
      case AstKind::kCall: {
        if (ast.text != "array_length")
          return ErrorAt(ast.pos, fmt::format("expected a value, found {}(...), which is a "
                                              "boolean expression or an unknown function",
                                              ast.text));
        if (ast.children.size() != 1)
          return ErrorAt(ast.pos,
                         fmt::format("array_length takes 1 argument, got {}", ast.children.size()));
        ASSIGN_OR_RETURN(FieldRef ref, Container(*ast.children[0], "array_length"));
        return MakeOperand(ValueType::kInt, ArrayLengthNode{std::move(ref)});
      }
      case AstKind::kList:
        return ErrorAt(ast.pos,
                       "a list is only valid after 'in', in json_contains and array_contains "
                       "functions, or compared with an Array field");
      default:
        return ErrorAt(ast.pos, "expected a value, found a boolean expression");
    }
  }

  static OperandPtr LiteralOperand(Literal lit) {
    static constexpr ValueType kTypes[] = {ValueType::kBool, ValueType::kInt, ValueType::kFloat,
                                           ValueType::kString};
    ValueType type = kTypes[lit.index()];
    return MakeOperand(type, std::move(lit));
  }

  static Result<Literal> LiteralFromJson(const json& v, size_t pos) {
    switch (v.type()) {
      case json::value_t::boolean:
        return Literal(v.get<bool>());
      case json::value_t::number_integer:
        return Literal(v.get<int64_t>());
      case json::value_t::number_unsigned:
        if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return ErrorAt(pos, fmt::format("integer {} is out of range", v.get<uint64_t>()));
        return Literal(static_cast<int64_t>(v.get<uint64_t>()));
      case json::value_t::number_float:
        return Literal(v.get<double>());
      case json::value_t::string:
        return Literal(v.get<std::string>());
      default:
        return ErrorAt(
            pos, fmt::format("expected a number, string or boolean, found {}", v.type_name()));
    }
  }

  Result<const json*> Template(const Ast& ast) {
    if (templates_ != nullptr) {
      auto it = templates_->find(ast.text);
      if (it != templates_->end()) return &it->second;
    }
    return ErrorAt(ast.pos, fmt::format("template value '{}' is not provided", ast.text));
  }

  Result<FieldRef> Field(const Ast& ast) {
    std::vector<PathStep> path;
    const Ast* base = &ast;
    while (base->kind == AstKind::kIndex) {
      if (base->index_is_int) {
        if (base->int_value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
          return ErrorAt(base->pos, "array index is out of range");
        path.emplace_back(static_cast<int64_t>(base->int_value));
      } else {
        path.emplace_back(base->text);
      }
      base = base->children[0].get();
    }
    if (base->kind != AstKind::kIdent) return ErrorAt(base->pos, "expected a field name");
    const FieldSchema* field = schema_.FindField(base->text);
    if (field == nullptr && schema_.DynamicField() != nullptr) {
      // A name outside the schema is a key of the dynamic field: `color` is $meta["color"].
      path.emplace_back(base->text);
      field = schema_.DynamicField();
    }
    if (field == nullptr)
      return ErrorAt(base->pos, fmt::format("field '{}' does not exist", base->text));
    if (IsVectorType(field->type))
      return ErrorAt(base->pos, fmt::format("field '{}' is a {} field; vector fields cannot be "
                                            "used in filter expressions",
                                            field->name, DataTypeName(field->type)));
    if (field->type == DataType::kArray &&
        (path.size() > 1 || (path.size() == 1 && !std::holds_alternative<int64_t>(path[0]))))
      return ErrorAt(base->pos, fmt::format("array field '{}' takes one integer index, as in "
                                            "{}[0]",
                                            field->name, field->name));
    if (!ValueTypeOf(field->type).ok())
      return ErrorAt(base->pos, fmt::format("field '{}' has type {}, which filters cannot read",
                                            field->name, DataTypeName(field->type)));
    if (!path.empty() && field->type != DataType::kJson && field->type != DataType::kArray)
      return ErrorAt(base->pos, fmt::format("field '{}' is {}; only JSON and Array fields can be "
                                            "indexed with [...]",
                                            field->name, DataTypeName(field->type)));
    std::reverse(path.begin(), path.end());
    return FieldRef{field->field_id, field->name, field->type, std::move(path),
                    field->element_type};
  }

  // The first argument of json_contains*, array_contains* and array_length: a JSON field or
  // path, or a whole Array field.
  Result<FieldRef> Container(const Ast& ast, std::string_view function) {
    ASSIGN_OR_RETURN(FieldRef ref, Field(ast));
    bool whole_array = ref.type == DataType::kArray && ref.path.empty();
    if (ref.type != DataType::kJson && !whole_array)
      return ErrorAt(
          ast.pos,
          fmt::format("{} needs an Array or JSON field, but {} is {}", function, PathText(ref),
                      ref.type == DataType::kArray ? "an array element"
                                                   : std::string(DataTypeName(ref.type))));
    return ref;
  }

  static bool IsList(const Ast& ast) {
    return ast.kind == AstKind::kList || ast.kind == AstKind::kTemplate;
  }

  // `a == [..]`, `[..] != a`: the whole Array field `array` against a constant list on the
  // other side (`list_ast`); a template that is not a list is compared as a value.
  Result<PredPtr> ArrayEquality(const Ast& ast, const Ast& list_ast, OperandPtr array) {
    const FieldRef& ref = std::get<FieldRef>(array->node);
    ASSIGN_OR_RETURN(json list, Const(list_ast));
    if (!list.is_array()) {
      ASSIGN_OR_RETURN(OperandPtr value, Value(list_ast));
      return Compare(CmpOpOf(ast.op), std::move(array), std::move(value), ast.pos);
    }
    if (ast.op != TokenKind::kEq && ast.op != TokenKind::kNe)
      return ErrorAt(ast.pos, fmt::format("arrays support only == and != (field '{}')", ref.name));
    ASSIGN_OR_RETURN(std::string cell, EncodeArrayList(ref, list, list_ast.pos));
    return MakePred(ArrayEqualNode{ref, std::move(cell), ast.op == TokenKind::kNe});
  }

  // A constant: literal, folded arithmetic, list of constants or template value.
  Result<json> Const(const Ast& ast) {
    if (ast.kind == AstKind::kList) {
      json out = json::array();
      for (const auto& child : ast.children) {
        ASSIGN_OR_RETURN(json item, Const(*child));
        out.push_back(std::move(item));
      }
      return out;
    }
    if (ast.kind == AstKind::kTemplate) {
      ASSIGN_OR_RETURN(const json* value, Template(ast));
      return *value;
    }
    ASSIGN_OR_RETURN(OperandPtr value, Value(ast));
    const auto* lit = std::get_if<Literal>(&value->node);
    if (lit == nullptr)
      return ErrorAt(ast.pos, fmt::format("expected a constant, found {}", Describe(*value)));
    return LiteralToJson(*lit);
  }

  Result<OperandPtr> Arith(ArithOp op, OperandPtr lhs, OperandPtr rhs, size_t pos) {
    for (const OperandPtr& side : {lhs, rhs}) {
      if (!IsNumeric(side->type) && side->type != ValueType::kJson)
        return ErrorAt(pos, fmt::format("arithmetic needs numbers, found {}", Describe(*side)));
    }
    const auto* a = std::get_if<Literal>(&lhs->node);
    const auto* b = std::get_if<Literal>(&rhs->node);
    if (a != nullptr && b != nullptr) {
      ASSIGN_OR_RETURN(Literal folded, FoldArith(op, *a, *b, pos));
      return LiteralOperand(std::move(folded));
    }
    if ((op == ArithOp::kDiv || op == ArithOp::kMod) && IsZero(*rhs))
      return ErrorAt(pos, "division by zero");
    bool is_int =
        lhs->type == ValueType::kInt && rhs->type == ValueType::kInt && op != ArithOp::kPow;
    return MakeOperand(is_int ? ValueType::kInt : ValueType::kFloat,
                       ArithNode{op, std::move(lhs), std::move(rhs)});
  }

  Result<PredPtr> Compare(CmpOp op, OperandPtr lhs, OperandPtr rhs, size_t pos) {
    ValueType a = lhs->type, b = rhs->type;
    if (a == ValueType::kArray || b == ValueType::kArray)
      return ErrorAt(pos, fmt::format("cannot compare {} with {}; compare an element (a[0]) or "
                                      "the whole array with a list (a == [1, 2])",
                                      Describe(*lhs), Describe(*rhs)));
    bool ok = a == ValueType::kJson || b == ValueType::kJson || (IsNumeric(a) && IsNumeric(b)) ||
              (a == b);
    if (!ok)
      return ErrorAt(pos, fmt::format("cannot compare {} with {}", Describe(*lhs), Describe(*rhs)));
    if (a == ValueType::kBool && b == ValueType::kBool && op != CmpOp::kEq && op != CmpOp::kNe)
      return ErrorAt(pos, fmt::format("cannot order booleans: {} and {} support only == and !=",
                                      Describe(*lhs), Describe(*rhs)));
    const auto* x = std::get_if<Literal>(&lhs->node);
    const auto* y = std::get_if<Literal>(&rhs->node);
    if (x != nullptr && y != nullptr)
      return MakePred(ConstNode{CompareScalars(ScalarOf(*x), ScalarOf(*y), op)});
    if (x != nullptr) return MakePred(CompareNode{FlipCmp(op), std::move(rhs), std::move(lhs)});
    return MakePred(CompareNode{op, std::move(lhs), std::move(rhs)});
  }

  Result<PredPtr> In(const Ast& ast) {
    ASSIGN_OR_RETURN(OperandPtr value, Value(*ast.children[0]));
    if (value->type == ValueType::kArray)
      return ErrorAt(ast.pos, fmt::format("'in' needs a value, found {}; use array_contains_any "
                                          "for arrays",
                                          Describe(*value)));
    const Ast& list_ast = *ast.children[1];
    if (list_ast.kind != AstKind::kList && list_ast.kind != AstKind::kTemplate)
      return ErrorAt(list_ast.pos, "expected a list such as [1, 2] after 'in'");
    ASSIGN_OR_RETURN(json list, Const(list_ast));
    if (!list.is_array())
      return ErrorAt(list_ast.pos, fmt::format("template value '{}' is not a list", list_ast.text));
    InNode node{value, {}, ast.negated};
    for (const json& item : list) {
      ASSIGN_OR_RETURN(Literal lit, LiteralFromJson(item, list_ast.pos));
      OperandPtr element = LiteralOperand(std::move(lit));
      bool ok = value->type == ValueType::kJson ||
                (IsNumeric(value->type) && IsNumeric(element->type)) ||
                value->type == element->type;
      if (!ok)
        return ErrorAt(list_ast.pos, fmt::format("cannot test {} against {} in the list",
                                                 Describe(*value), Describe(*element)));
      node.list.push_back(std::get<Literal>(element->node));
    }
    if (const auto* lit = std::get_if<Literal>(&value->node)) {
      bool found = false;
      for (const Literal& item : node.list)
        found = found || CompareScalars(ScalarOf(*lit), ScalarOf(item), CmpOp::kEq);
      return MakePred(ConstNode{found != ast.negated});
    }
    return MakePred(std::move(node));
  }

  Result<PredPtr> Like(const Ast& ast) {
    ASSIGN_OR_RETURN(OperandPtr value, Value(*ast.children[0]));
    const auto* ref = std::get_if<FieldRef>(&value->node);
    if (ref == nullptr || (value->type != ValueType::kString && value->type != ValueType::kJson))
      return ErrorAt(ast.pos, fmt::format("like needs a VarChar field or a JSON path, found {}",
                                          Describe(*value)));
    ASSIGN_OR_RETURN(OperandPtr pattern, Value(*ast.children[1]));
    const auto* lit = std::get_if<Literal>(&pattern->node);
    if (lit == nullptr || pattern->type != ValueType::kString)
      return ErrorAt(ast.children[1]->pos,
                     fmt::format("like needs a string pattern, found {}", Describe(*pattern)));
    return MakePred(LikeNode{*ref, LikePattern::Compile(std::get<std::string>(*lit))});
  }

  Result<PredPtr> Call(const Ast& ast) {
    static const std::pair<std::string_view, ContainsKind> kFunctions[] = {
        {"json_contains", ContainsKind::kOne},      {"json_contains_all", ContainsKind::kAll},
        {"json_contains_any", ContainsKind::kAny},  {"array_contains", ContainsKind::kOne},
        {"array_contains_all", ContainsKind::kAll}, {"array_contains_any", ContainsKind::kAny}};
    const ContainsKind* kind = nullptr;
    for (const auto& [name, k] : kFunctions)
      if (ast.text == name) kind = &k;
    if (kind == nullptr) {
      if (ast.text == "array_length")
        return ErrorAt(ast.pos, "array_length(...) is a number; compare it to form a condition");
      return ErrorAt(ast.pos, fmt::format("unknown function '{}'", ast.text));
    }
    if (ast.children.size() != 2)
      return ErrorAt(ast.pos,
                     fmt::format("{} takes 2 arguments, got {}", ast.text, ast.children.size()));
    ASSIGN_OR_RETURN(FieldRef ref, Container(*ast.children[0], ast.text));
    ASSIGN_OR_RETURN(json value, Const(*ast.children[1]));
    ContainsNode node{*kind, std::move(ref), {}};
    if (*kind == ContainsKind::kOne) {
      node.values.push_back(std::move(value));
    } else {
      if (!value.is_array())
        return ErrorAt(ast.children[1]->pos,
                       fmt::format("{} needs a list as its second argument", ast.text));
      node.values.assign(value.begin(), value.end());
    }
    if (node.ref.type == DataType::kArray)
      for (const json& v : node.values)
        RETURN_IF_ERROR(CheckArrayValue(node.ref, v, ast.text, ast.children[1]->pos));
    return MakePred(std::move(node));
  }

  const CollectionSchema& schema_;
  const ExprTemplateValues* templates_;
};

}  // namespace

Result<PredPtr> BindPredicate(const Ast& root, const CollectionSchema& schema,
                              const ExprTemplateValues* templates) {
  return Binder(schema, templates).Predicate(root);
}

}  // namespace strata::expr
