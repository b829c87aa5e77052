#include "expr/scalar.h"

#include <limits>

namespace strata::expr {

Scalar ScalarOf(const Literal& lit) {
  return std::visit(
      [](const auto& v) -> Scalar {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
          return std::string_view(v);
        } else {
          return v;
        }
      },
      lit);
}

Scalar ScalarOf(const nlohmann::json* value) {
  if (value == nullptr) return std::monostate{};
  switch (value->type()) {
    case nlohmann::json::value_t::boolean:
      return value->get<bool>();
    case nlohmann::json::value_t::number_integer:
      return value->get<int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      uint64_t u = value->get<uint64_t>();
      if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return static_cast<int64_t>(u);
      return static_cast<double>(u);
    }
    case nlohmann::json::value_t::number_float:
      return value->get<double>();
    case nlohmann::json::value_t::string:
      return std::string_view(value->get_ref<const std::string&>());
    default:
      return std::monostate{};
  }
}

bool CompareScalars(const Scalar& a, const Scalar& b, CmpOp op) {
  if (const auto* x = std::get_if<int64_t>(&a)) {
    if (const auto* y = std::get_if<int64_t>(&b)) return ApplyCmp(*x, *y, op);
    if (const auto* y = std::get_if<double>(&b)) return ApplyCmp(static_cast<double>(*x), *y, op);
    return false;
  }
  if (const auto* x = std::get_if<double>(&a)) {
    if (const auto* y = std::get_if<double>(&b)) return ApplyCmp(*x, *y, op);
    if (const auto* y = std::get_if<int64_t>(&b)) return ApplyCmp(*x, static_cast<double>(*y), op);
    return false;
  }
  if (const auto* x = std::get_if<std::string_view>(&a)) {
    const auto* y = std::get_if<std::string_view>(&b);
    return y != nullptr && ApplyCmp(*x, *y, op);
  }
  if (const auto* x = std::get_if<bool>(&a)) {
    const auto* y = std::get_if<bool>(&b);
    if (y == nullptr) return false;
    if (op == CmpOp::kEq) return *x == *y;
    if (op == CmpOp::kNe) return *x != *y;
    return false;
  }
  return false;
}

CmpOp FlipCmp(CmpOp op) {
  switch (op) {
    case CmpOp::kLt:
      return CmpOp::kGt;
    case CmpOp::kLe:
      return CmpOp::kGe;
    case CmpOp::kGt:
      return CmpOp::kLt;
    case CmpOp::kGe:
      return CmpOp::kLe;
    default:
      return op;
  }
}

}  // namespace strata::expr
