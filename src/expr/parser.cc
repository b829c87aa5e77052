#include "expr/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace strata::expr {
namespace {

bool IsCompareOp(TokenKind k) {
  return k == TokenKind::kEq || k == TokenKind::kNe || k == TokenKind::kLt || k == TokenKind::kLe ||
         k == TokenKind::kGt || k == TokenKind::kGe;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<AstPtr> Run() {
    if (Peek().kind == TokenKind::kEnd)
      return InvalidArgument("empty filter expression (at position 0)");
    ASSIGN_OR_RETURN(AstPtr root, ParseOr());
    if (Peek().kind != TokenKind::kEnd) return Expected("an operator or end of input");
    return root;
  }

 private:
  // Counts recursion so that deeply nested input fails cleanly instead of overflowing the stack.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    int* depth_;
  };

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(index_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& t = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return t;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Take();
    return true;
  }

  Status Expected(std::string_view what) const {
    return InvalidArgument(fmt::format("expected {} at position {}, found {}", what, Peek().pos,
                                       DescribeToken(Peek())));
  }
  Status Expect(TokenKind kind, std::string_view what) {
    if (!Accept(kind)) return Expected(what);
    return Status::Ok();
  }
  Status TooDeep(size_t pos) const {
    return InvalidArgument(fmt::format(
        "expression nests too deeply (more than {} levels) at position {}", kMaxDepth, pos));
  }
  Status Enter(size_t pos) const {
    if (recursion_ > kMaxDepth) return TooDeep(pos);
    return Status::Ok();
  }

  Result<AstPtr> Make(AstKind kind, size_t pos, std::vector<AstPtr> children = {}) {
    auto node = std::make_unique<Ast>();
    node->kind = kind;
    node->pos = pos;
    for (const auto& c : children) node->depth = std::max(node->depth, c->depth + 1);
    if (node->depth > kMaxDepth) return TooDeep(pos);
    node->children = std::move(children);
    return node;
  }

  // Collects `sub {op sub}` into one n-ary node so long and/or chains stay shallow.
  template <typename SubParser>
  Result<AstPtr> ParseChain(TokenKind op, AstKind kind, SubParser sub) {
    ASSIGN_OR_RETURN(AstPtr first, (this->*sub)());
    if (Peek().kind != op) return first;
    size_t pos = Peek().pos;
    std::vector<AstPtr> children;
    children.push_back(std::move(first));
    while (Accept(op)) {
      ASSIGN_OR_RETURN(AstPtr next, (this->*sub)());
      children.push_back(std::move(next));
    }
    return Make(kind, pos, std::move(children));
  }

  Result<AstPtr> ParseOr() { return ParseChain(TokenKind::kOr, AstKind::kOr, &Parser::ParseAnd); }
  Result<AstPtr> ParseAnd() {
    return ParseChain(TokenKind::kAnd, AstKind::kAnd, &Parser::ParseNot);
  }

  Result<AstPtr> ParseNot() {
    if (Peek().kind != TokenKind::kNot) return ParseComparison();
    size_t pos = Take().pos;
    DepthGuard guard(&recursion_);
    RETURN_IF_ERROR(Enter(pos));
    ASSIGN_OR_RETURN(AstPtr operand, ParseNot());
    std::vector<AstPtr> children;
    children.push_back(std::move(operand));
    return Make(AstKind::kNot, pos, std::move(children));
  }

  Result<AstPtr> ParseComparison() {
    ASSIGN_OR_RETURN(AstPtr lhs, ParseAdditive());
    const Token& t = Peek();
    std::vector<AstPtr> children;
    children.push_back(std::move(lhs));
    if (t.kind == TokenKind::kIn || (t.kind == TokenKind::kNot && Peek(1).kind == TokenKind::kIn)) {
      bool negated = t.kind == TokenKind::kNot;
      size_t pos = t.pos;
      if (negated) Take();
      Take();
      ASSIGN_OR_RETURN(AstPtr list, ParseUnary());
      children.push_back(std::move(list));
      ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kIn, pos, std::move(children)));
      node->negated = negated;
      return node;
    }
    if (t.kind == TokenKind::kLike) {
      size_t pos = Take().pos;
      ASSIGN_OR_RETURN(AstPtr pattern, ParseUnary());
      children.push_back(std::move(pattern));
      return Make(AstKind::kLike, pos, std::move(children));
    }
    if (t.kind == TokenKind::kIs) {
      size_t pos = Take().pos;
      bool negated = Accept(TokenKind::kNot);
      RETURN_IF_ERROR(Expect(TokenKind::kNull, negated ? "'null'" : "'null' or 'not null'"));
      ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kIsNull, pos, std::move(children)));
      node->negated = negated;
      return node;
    }
    if (!IsCompareOp(t.kind)) return std::move(children.front());
    TokenKind op = t.kind;
    size_t pos = Take().pos;
    ASSIGN_OR_RETURN(AstPtr rhs, ParseAdditive());
    children.push_back(std::move(rhs));
    if (!IsCompareOp(Peek().kind)) {
      ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kCompare, pos, std::move(children)));
      node->op = op;
      return node;
    }
    // Chained range: `low < x <= high` or `high > x >= low`.
    TokenKind op2 = Peek().kind;
    auto is_less = [](TokenKind k) { return k == TokenKind::kLt || k == TokenKind::kLe; };
    auto is_greater = [](TokenKind k) { return k == TokenKind::kGt || k == TokenKind::kGe; };
    if (!(is_less(op) && is_less(op2)) && !(is_greater(op) && is_greater(op2)))
      return InvalidArgument(fmt::format(
          "chained comparison at position {} must use '<'/'<=' twice or '>'/'>=' twice", pos));
    Take();
    ASSIGN_OR_RETURN(AstPtr third, ParseAdditive());
    children.push_back(std::move(third));
    if (IsCompareOp(Peek().kind))
      return InvalidArgument(
          fmt::format("a comparison chain has at most two operators (at position {})", Peek().pos));
    ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kRange, pos, std::move(children)));
    node->op = op;
    node->op2 = op2;
    return node;
  }

  Result<AstPtr> Binary(TokenKind op, size_t pos, AstPtr lhs, AstPtr rhs) {
    std::vector<AstPtr> children;
    children.push_back(std::move(lhs));
    children.push_back(std::move(rhs));
    ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kArith, pos, std::move(children)));
    node->op = op;
    return node;
  }

  Result<AstPtr> ParseAdditive() {
    ASSIGN_OR_RETURN(AstPtr lhs, ParseMultiplicative());
    while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      const Token& op = Take();
      ASSIGN_OR_RETURN(AstPtr rhs, ParseMultiplicative());
      ASSIGN_OR_RETURN(lhs, Binary(op.kind, op.pos, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  Result<AstPtr> ParseMultiplicative() {
    ASSIGN_OR_RETURN(AstPtr lhs, ParseUnary());
    while (Peek().kind == TokenKind::kStar || Peek().kind == TokenKind::kSlash ||
           Peek().kind == TokenKind::kPercent) {
      const Token& op = Take();
      ASSIGN_OR_RETURN(AstPtr rhs, ParseUnary());
      ASSIGN_OR_RETURN(lhs, Binary(op.kind, op.pos, std::move(lhs), std::move(rhs)));
    }
    return lhs;
  }

  Result<AstPtr> ParseUnary() {
    if (Peek().kind != TokenKind::kPlus && Peek().kind != TokenKind::kMinus) return ParsePower();
    const Token& op = Take();
    DepthGuard guard(&recursion_);
    RETURN_IF_ERROR(Enter(op.pos));
    ASSIGN_OR_RETURN(AstPtr operand, ParseUnary());
    std::vector<AstPtr> children;
    children.push_back(std::move(operand));
    ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kUnary, op.pos, std::move(children)));
    node->op = op.kind;
    return node;
  }

  // `**` binds tighter than unary minus on its left and is right-associative.
  Result<AstPtr> ParsePower() {
    ASSIGN_OR_RETURN(AstPtr base, ParsePostfix());
    if (Peek().kind != TokenKind::kPower) return base;
    size_t pos = Take().pos;
    DepthGuard guard(&recursion_);
    RETURN_IF_ERROR(Enter(pos));
    ASSIGN_OR_RETURN(AstPtr exponent, ParseUnary());
    return Binary(TokenKind::kPower, pos, std::move(base), std::move(exponent));
  }

  Result<AstPtr> ParsePostfix() {
    ASSIGN_OR_RETURN(AstPtr node, ParsePrimary());
    while (Peek().kind == TokenKind::kLBracket) {
      size_t pos = Take().pos;
      const Token& key = Peek();
      if (key.kind != TokenKind::kString && key.kind != TokenKind::kInt)
        return Expected("a string key or an integer index");
      Take();
      std::vector<AstPtr> children;
      children.push_back(std::move(node));
      ASSIGN_OR_RETURN(node, Make(AstKind::kIndex, pos, std::move(children)));
      node->index_is_int = key.kind == TokenKind::kInt;
      node->text = key.text;
      node->int_value = key.int_value;
      RETURN_IF_ERROR(Expect(TokenKind::kRBracket, "']'"));
    }
    return node;
  }

  // Parses `open elem {, elem} [,] close` (elements are full expressions).
  Result<std::vector<AstPtr>> ParseSequence(TokenKind close, std::string_view close_text) {
    std::vector<AstPtr> items;
    if (Accept(close)) return items;
    while (true) {
      ASSIGN_OR_RETURN(AstPtr item, ParseOr());
      items.push_back(std::move(item));
      if (Accept(close)) return items;
      if (!Accept(TokenKind::kComma)) return Expected(fmt::format("',' or {}", close_text));
      if (Accept(close)) return items;
    }
  }

  Result<AstPtr> ParsePrimary() {
    const Token& t = Peek();
    size_t pos = t.pos;
    switch (t.kind) {
      case TokenKind::kInt: {
        ASSIGN_OR_RETURN(AstPtr n, Make(AstKind::kInt, pos));
        n->int_value = Take().int_value;
        return n;
      }
      case TokenKind::kFloat: {
        ASSIGN_OR_RETURN(AstPtr n, Make(AstKind::kFloat, pos));
        n->float_value = Take().float_value;
        return n;
      }
      case TokenKind::kString:
      case TokenKind::kTemplate:
      case TokenKind::kIdent: {
        AstKind kind = t.kind == TokenKind::kString     ? AstKind::kString
                       : t.kind == TokenKind::kTemplate ? AstKind::kTemplate
                                                        : AstKind::kIdent;
        std::string text = Take().text;
        if (kind == AstKind::kIdent && Peek().kind == TokenKind::kLParen)
          return ParseCall(pos, text);
        ASSIGN_OR_RETURN(AstPtr n, Make(kind, pos));
        n->text = std::move(text);
        return n;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse: {
        ASSIGN_OR_RETURN(AstPtr n, Make(AstKind::kBool, pos));
        n->bool_value = Take().kind == TokenKind::kTrue;
        return n;
      }
      case TokenKind::kExists: {
        Take();
        ASSIGN_OR_RETURN(AstPtr operand, ParsePostfix());
        std::vector<AstPtr> children;
        children.push_back(std::move(operand));
        return Make(AstKind::kExists, pos, std::move(children));
      }
      case TokenKind::kLParen: {
        Take();
        DepthGuard guard(&recursion_);
        RETURN_IF_ERROR(Enter(pos));
        ASSIGN_OR_RETURN(AstPtr inner, ParseOr());
        RETURN_IF_ERROR(Expect(TokenKind::kRParen, "')'"));
        return inner;
      }
      case TokenKind::kLBracket: {
        Take();
        DepthGuard guard(&recursion_);
        RETURN_IF_ERROR(Enter(pos));
        ASSIGN_OR_RETURN(std::vector<AstPtr> items, ParseSequence(TokenKind::kRBracket, "']'"));
        return Make(AstKind::kList, pos, std::move(items));
      }
      default:
        return Expected("an expression");
    }
  }

  Result<AstPtr> ParseCall(size_t pos, const std::string& name) {
    Take();  // '('
    DepthGuard guard(&recursion_);
    RETURN_IF_ERROR(Enter(pos));
    ASSIGN_OR_RETURN(std::vector<AstPtr> args, ParseSequence(TokenKind::kRParen, "')'"));
    ASSIGN_OR_RETURN(AstPtr node, Make(AstKind::kCall, pos, std::move(args)));
    node->text = Lower(name);
    return node;
  }

  std::vector<Token> tokens_;
  size_t index_ = 0;
  int recursion_ = 0;
};

}  // namespace

Result<AstPtr> ParseAst(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text));
  return Parser(std::move(tokens)).Run();
}

}  // namespace strata::expr
