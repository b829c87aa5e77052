// Recursive-descent parser: filter text -> untyped syntax tree (Ast). Types, fields and
// templates are resolved later by the binder (binder.h). Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "expr/lexer.h"

namespace strata::expr {

// Nesting limit for parentheses, unary operators and the syntax tree as a whole. Bounds the
// recursion of the parser, the binder and the evaluator.
inline constexpr int kMaxDepth = 200;

enum class AstKind {
  kInt,       // int_value (magnitude, may be 2^63 under a unary minus)
  kFloat,     // float_value
  kString,    // text
  kBool,      // bool_value
  kTemplate,  // text = template name
  kIdent,     // text = field name
  kIndex,     // children[0][text] or children[0][int_value] (index_is_int)
  kCall,      // text = function name (lower case), children = arguments
  kList,      // children = elements
  kUnary,     // op = kPlus / kMinus, children[0]
  kArith,     // op = + - * / % **, children[0..1]
  kCompare,   // op = == != < <= > >=, children[0..1]
  kRange,     // children[0] op children[1] op2 children[2]  (chained comparison)
  kIn,        // children[0] in children[1]; negated for `not in`
  kLike,      // children[0] like children[1]
  kIsNull,    // children[0] is null; negated for `is not null`
  kExists,    // exists children[0]
  kNot,       // children[0]
  kAnd,       // children (two or more)
  kOr,        // children (two or more)
};

struct Ast {
  AstKind kind = AstKind::kInt;
  size_t pos = 0;  // byte offset of the node's first token (the operator for binary nodes)
  int depth = 1;   // 1 + deepest child
  std::string text;
  uint64_t int_value = 0;
  double float_value = 0;
  bool bool_value = false;
  bool negated = false;
  bool index_is_int = false;
  TokenKind op = TokenKind::kEnd;
  TokenKind op2 = TokenKind::kEnd;
  std::vector<std::unique_ptr<Ast>> children;
};
using AstPtr = std::unique_ptr<Ast>;

// Parses a whole filter. Errors are InvalidArgument with the 0-based byte offset and what was
// expected ("expected ']' at position 17, found end of input"); empty text is an error;
// nesting deeper than kMaxDepth is an error.
Result<AstPtr> ParseAst(std::string_view text);

}  // namespace strata::expr
