// LikePattern: a compiled SQL-style `like` pattern. `%` matches any run of characters, `_`
// exactly one UTF-8 character; `\%`, `\_` and `\\` match a literal '%', '_' and '\'.
// Patterns of the shapes "abc", "abc%", "%abc" and "%abc%" use direct comparisons; others use
// a wildcard matcher that backtracks only to the latest '%', so matching is O(text * pattern)
// at worst, never exponential. Immutable after Compile; Match is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::expr {

class LikePattern {
 public:
  enum class Shape { kExact, kPrefix, kSuffix, kInfix, kGeneral };

  static LikePattern Compile(std::string_view pattern);

  bool Match(std::string_view text) const;
  Shape shape() const { return shape_; }

 private:
  // One pattern element: a literal byte, `_` (one character) or `%` (any run).
  struct Element {
    enum Kind : unsigned char { kLiteral, kOne, kAny } kind;
    char byte;
  };

  bool MatchGeneral(std::string_view text) const;

  Shape shape_ = Shape::kExact;
  std::string literal_;  // the fixed text of the fast-path shapes
  std::vector<Element> elements_;
};

}  // namespace strata::expr
