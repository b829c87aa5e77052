#include "expr/expr.h"

#include <algorithm>
#include <iterator>
#include <map>

#include "expr/binder.h"
#include "expr/parser.h"
#include "expr/plan.h"

namespace strata::expr {
namespace {

void AddField(const FieldRef& ref, std::map<int64_t, FieldRef>* out) {
  if (out->count(ref.field_id) == 0)
    out->emplace(ref.field_id, FieldRef{ref.field_id, ref.name, ref.type, {}, ref.element_type});
}

void CollectOperand(const Operand& operand, std::map<int64_t, FieldRef>* out) {
  if (const auto* ref = std::get_if<FieldRef>(&operand.node)) AddField(*ref, out);
  if (const auto* len = std::get_if<ArrayLengthNode>(&operand.node)) AddField(len->ref, out);
  if (const auto* arith = std::get_if<ArithNode>(&operand.node)) {
    CollectOperand(*arith->lhs, out);
    CollectOperand(*arith->rhs, out);
  }
}

void CollectPred(const Pred& pred, std::map<int64_t, FieldRef>* out) {
  std::visit(
      [out](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, CompareNode>) {
          CollectOperand(*node.lhs, out);
          CollectOperand(*node.rhs, out);
        } else if constexpr (std::is_same_v<T, InNode>) {
          CollectOperand(*node.value, out);
        } else if constexpr (std::is_same_v<T, LikeNode> || std::is_same_v<T, ExistsNode> ||
                             std::is_same_v<T, ContainsNode> || std::is_same_v<T, IsNullNode> ||
                             std::is_same_v<T, ArrayEqualNode>) {
          AddField(node.ref, out);
        } else if constexpr (std::is_same_v<T, LogicalNode>) {
          for (const PredPtr& child : node.children) CollectPred(*child, out);
        } else if constexpr (std::is_same_v<T, NotNode>) {
          CollectPred(*node.child, out);
        }
      },
      pred.node);
}

// Sorts and deduplicates `literals` when every one has `field`'s type (Int64 or VarChar).
template <typename T>
std::optional<ValueList> TypedList(const std::vector<Literal>& literals) {
  std::vector<T> out;
  for (const Literal& literal : literals) {
    if (!std::holds_alternative<T>(literal)) return std::nullopt;
    out.push_back(std::get<T>(literal));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return ValueList(std::move(out));
}

// The values of `pred` when it is exactly `field == v` / `field in [...]`.
std::optional<ValueList> ExactValues(const Pred& pred, const FieldSchema& field) {
  const Operand* value = nullptr;
  std::vector<Literal> literals;
  if (const auto* cmp = std::get_if<CompareNode>(&pred.node)) {
    const auto* lit = std::get_if<Literal>(&cmp->rhs->node);
    if (cmp->op != CmpOp::kEq || lit == nullptr) return std::nullopt;
    value = cmp->lhs.get();
    literals.push_back(*lit);
  } else if (const auto* in = std::get_if<InNode>(&pred.node)) {
    if (in->negated) return std::nullopt;
    value = in->value.get();
    literals = in->list;
  } else {
    return std::nullopt;
  }
  const auto* ref = std::get_if<FieldRef>(&value->node);
  if (ref == nullptr || !ref->path.empty() || ref->field_id != field.field_id) return std::nullopt;
  if (field.type == DataType::kInt64) return TypedList<int64_t>(literals);
  if (field.type == DataType::kVarChar) return TypedList<std::string>(literals);
  return std::nullopt;
}

// Intersects the values of every exact conjunct of `pred`'s top-level AND into `out`.
void CollectConjunctValues(const Pred& pred, const FieldSchema& field,
                           std::optional<ValueList>* out) {
  if (const auto* logical = std::get_if<LogicalNode>(&pred.node)) {
    if (logical->is_and)
      for (const PredPtr& child : logical->children) CollectConjunctValues(*child, field, out);
    return;
  }
  std::optional<ValueList> values = ExactValues(pred, field);
  if (!values) return;
  if (!*out) {
    *out = std::move(values);
    return;
  }
  std::visit(
      [&](auto& have) {
        using V = std::decay_t<decltype(have)>;
        const V& more = std::get<V>(*values);
        V both;
        std::set_intersection(have.begin(), have.end(), more.begin(), more.end(),
                              std::back_inserter(both));
        have = std::move(both);
      },
      **out);
}

}  // namespace

Result<std::shared_ptr<const Plan>> ParseFilter(std::string_view text,
                                                const CollectionSchema& schema,
                                                const ExprTemplateValues* templates) {
  ASSIGN_OR_RETURN(AstPtr ast, ParseAst(text));
  ASSIGN_OR_RETURN(PredPtr root, BindPredicate(*ast, schema, templates));
  std::map<int64_t, FieldRef> fields;
  CollectPred(*root, &fields);
  std::vector<FieldRef> field_list;
  for (auto& [id, ref] : fields) field_list.push_back(std::move(ref));
  const FieldSchema& pk = schema.PrimaryField();
  std::optional<PrimaryKeys> keys =
      pk.is_primary_key ? ExactValues(*root, pk) : std::optional<PrimaryKeys>();
  return std::shared_ptr<const Plan>(
      std::make_shared<Plan>(std::move(root), std::move(field_list), std::move(keys)));
}

std::vector<int64_t> ReferencedFields(const Plan& plan) {
  std::vector<int64_t> out;
  for (const FieldRef& ref : plan.fields()) out.push_back(ref.field_id);
  return out;
}

std::optional<PrimaryKeys> PrimaryKeyLookup(const Plan& plan) { return plan.pk_keys(); }

std::optional<ValueList> FieldValueLookup(const Plan& plan, const FieldSchema& field) {
  std::optional<ValueList> out;
  CollectConjunctValues(plan.root(), field, &out);
  return out;
}

}  // namespace strata::expr
