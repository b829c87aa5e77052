#include "expr/expr.h"

#include <algorithm>
#include <map>

#include "expr/binder.h"
#include "expr/parser.h"
#include "expr/plan.h"

namespace strata::expr {
namespace {

void AddField(const FieldRef& ref, std::map<int64_t, FieldRef>* out) {
  if (out->count(ref.field_id) == 0)
    out->emplace(ref.field_id, FieldRef{ref.field_id, ref.name, ref.type, {}});
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
                             std::is_same_v<T, ContainsNode> || std::is_same_v<T, IsNullNode>) {
          AddField(node.ref, out);
        } else if constexpr (std::is_same_v<T, LogicalNode>) {
          for (const PredPtr& child : node.children) CollectPred(*child, out);
        } else if constexpr (std::is_same_v<T, NotNode>) {
          CollectPred(*node.child, out);
        }
      },
      pred.node);
}

// Keys of `pk == v` / `pk in [...]` when every constant has the key's type.
std::optional<PrimaryKeys> FindPrimaryKeys(const Pred& root, const CollectionSchema& schema) {
  const Operand* value = nullptr;
  std::vector<Literal> keys;
  if (const auto* cmp = std::get_if<CompareNode>(&root.node)) {
    const auto* lit = std::get_if<Literal>(&cmp->rhs->node);
    if (cmp->op != CmpOp::kEq || lit == nullptr) return std::nullopt;
    value = cmp->lhs.get();
    keys.push_back(*lit);
  } else if (const auto* in = std::get_if<InNode>(&root.node)) {
    if (in->negated) return std::nullopt;
    value = in->value.get();
    keys = in->list;
  } else {
    return std::nullopt;
  }
  const auto* ref = std::get_if<FieldRef>(&value->node);
  if (ref == nullptr || !ref->path.empty()) return std::nullopt;
  const FieldSchema* field = schema.FindField(ref->field_id);
  if (field == nullptr || !field->is_primary_key) return std::nullopt;
  if (field->type == DataType::kInt64) {
    std::vector<int64_t> out;
    for (const Literal& key : keys) {
      if (!std::holds_alternative<int64_t>(key)) return std::nullopt;
      out.push_back(std::get<int64_t>(key));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return PrimaryKeys(std::move(out));
  }
  if (field->type == DataType::kVarChar) {
    std::vector<std::string> out;
    for (const Literal& key : keys) {
      if (!std::holds_alternative<std::string>(key)) return std::nullopt;
      out.push_back(std::get<std::string>(key));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return PrimaryKeys(std::move(out));
  }
  return std::nullopt;
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
  std::optional<PrimaryKeys> keys = FindPrimaryKeys(*root, schema);
  return std::shared_ptr<const Plan>(
      std::make_shared<Plan>(std::move(root), std::move(field_list), std::move(keys)));
}

std::vector<int64_t> ReferencedFields(const Plan& plan) {
  std::vector<int64_t> out;
  for (const FieldRef& ref : plan.fields()) out.push_back(ref.field_id);
  return out;
}

std::optional<PrimaryKeys> PrimaryKeyLookup(const Plan& plan) { return plan.pk_keys(); }

}  // namespace strata::expr
