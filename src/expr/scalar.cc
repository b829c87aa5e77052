#include "expr/scalar.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
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

LiteralSet::LiteralSet(const std::vector<Literal>& list) {
  for (const Literal& lit : list) {
    Scalar s = ScalarOf(lit);
    if (const auto* b = std::get_if<bool>(&s)) (*b ? has_true_ : has_false_) = true;
    if (const auto* v = std::get_if<int64_t>(&s)) ints_.push_back(*v);
    if (const auto* v = std::get_if<double>(&s)) doubles_.push_back(*v);
    if (const auto* v = std::get_if<std::string_view>(&s)) strings_.push_back(*v);
  }
  std::sort(ints_.begin(), ints_.end());
  std::sort(doubles_.begin(), doubles_.end());
  std::sort(strings_.begin(), strings_.end());
}

bool LiteralSet::ContainsInt(int64_t v) const {
  return std::binary_search(ints_.begin(), ints_.end(), v) ||
         (!doubles_.empty() &&
          std::binary_search(doubles_.begin(), doubles_.end(), static_cast<double>(v)));
}

bool LiteralSet::ContainsDouble(double v) const {
  if (std::binary_search(doubles_.begin(), doubles_.end(), v)) return true;
  // 2^63 is exactly representable; integral doubles in [-2^63, 2^63) convert safely.
  constexpr double kLimit = 9223372036854775808.0;
  return !ints_.empty() && std::trunc(v) == v && v >= -kLimit && v < kLimit &&
         std::binary_search(ints_.begin(), ints_.end(), static_cast<int64_t>(v));
}

bool LiteralSet::ContainsString(std::string_view v) const {
  return std::binary_search(strings_.begin(), strings_.end(), v);
}

bool LiteralSet::Contains(const Scalar& s) const {
  if (const auto* b = std::get_if<bool>(&s)) return *b ? has_true_ : has_false_;
  if (const auto* v = std::get_if<int64_t>(&s)) return ContainsInt(*v);
  if (const auto* v = std::get_if<double>(&s)) return ContainsDouble(*v);
  if (const auto* v = std::get_if<std::string_view>(&s)) return ContainsString(*v);
  return false;
}

namespace {

Status FoldError(size_t pos, std::string_view message) {
  return InvalidArgument(fmt::format("{} (at position {})", message, pos));
}

}  // namespace

Result<Literal> FoldArith(ArithOp op, const Literal& a, const Literal& b, size_t pos) {
  const auto* x = std::get_if<int64_t>(&a);
  const auto* y = std::get_if<int64_t>(&b);
  if (x != nullptr && y != nullptr && op != ArithOp::kPow) {
    int64_t r = 0;
    bool overflow = false;
    switch (op) {
      case ArithOp::kAdd:
        overflow = __builtin_add_overflow(*x, *y, &r);
        break;
      case ArithOp::kSub:
        overflow = __builtin_sub_overflow(*x, *y, &r);
        break;
      case ArithOp::kMul:
        overflow = __builtin_mul_overflow(*x, *y, &r);
        break;
      case ArithOp::kDiv:
      case ArithOp::kMod:
        if (*y == 0) return FoldError(pos, "division by zero in constant expression");
        if (*y == -1) {
          overflow = op == ArithOp::kDiv && *x == std::numeric_limits<int64_t>::min();
          r = op == ArithOp::kDiv && !overflow ? -*x : 0;
        } else {
          r = op == ArithOp::kDiv ? *x / *y : *x % *y;
        }
        break;
      case ArithOp::kPow:
        break;
    }
    if (overflow) return FoldError(pos, "integer overflow in constant expression");
    return Literal(r);
  }
  auto as_double = [](const Literal& l) {
    return l.index() == 1 ? static_cast<double>(std::get<int64_t>(l)) : std::get<double>(l);
  };
  double u = as_double(a), v = as_double(b), r = 0;
  switch (op) {
    case ArithOp::kAdd:
      r = u + v;
      break;
    case ArithOp::kSub:
      r = u - v;
      break;
    case ArithOp::kMul:
      r = u * v;
      break;
    case ArithOp::kDiv:
      if (v == 0) return FoldError(pos, "division by zero in constant expression");
      r = u / v;
      break;
    case ArithOp::kMod:
      if (v == 0) return FoldError(pos, "division by zero in constant expression");
      r = std::fmod(u, v);
      break;
    case ArithOp::kPow:
      r = std::pow(u, v);
      break;
  }
  if (!std::isfinite(r)) return FoldError(pos, "constant expression is not a finite number");
  return Literal(r);
}

}  // namespace strata::expr
