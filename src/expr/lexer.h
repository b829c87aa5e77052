// Lexer for filter expressions: turns text into tokens carrying their byte offsets.
// Keywords (and, or, not, in, like, is, null, exists, true, false) are case-insensitive;
// identifiers keep their case. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strata::expr {

enum class TokenKind {
  kEnd,
  kInt,       // int_value holds the magnitude; may be 2^63 (valid only when negated)
  kFloat,     // float_value
  kString,    // text holds the unescaped value
  kIdent,     // text holds the name
  kTemplate,  // `{name}`; text holds the name
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kPower,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
  kIn,
  kLike,
  kIs,
  kNull,
  kExists,
  kTrue,
  kFalse,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  size_t pos = 0;  // byte offset of the token's first character
  std::string text;
  uint64_t int_value = 0;
  double float_value = 0;
};

// The largest integer literal magnitude: 2^63, which is only valid right after a minus sign.
inline constexpr uint64_t kMaxIntMagnitude = uint64_t{1} << 63;

// Splits `text` into tokens, ending with one kEnd token at text.size(). Errors are
// InvalidArgument with the byte offset: unexpected characters, unterminated strings, bad
// escapes, integer literals above 2^63, float literals out of range.
Result<std::vector<Token>> Tokenize(std::string_view text);

// `text` in double quotes for an error message: valid UTF-8 is kept, quotes and backslashes
// are escaped, control characters and invalid bytes become \xNN (messages must stay UTF-8).
std::string QuoteForMessage(std::string_view text);

// "end of input", "identifier 'age'", "'+'", "string \"x\"", ... for error messages.
std::string DescribeToken(const Token& token);

}  // namespace strata::expr
