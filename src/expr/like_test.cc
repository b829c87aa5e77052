#include "expr/like.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace strata::expr {
namespace {

TEST(LikeTest, Shapes) {
  EXPECT_EQ(LikePattern::Compile("abc").shape(), LikePattern::Shape::kExact);
  EXPECT_EQ(LikePattern::Compile("abc%").shape(), LikePattern::Shape::kPrefix);
  EXPECT_EQ(LikePattern::Compile("%abc").shape(), LikePattern::Shape::kSuffix);
  EXPECT_EQ(LikePattern::Compile("%abc%").shape(), LikePattern::Shape::kInfix);
  EXPECT_EQ(LikePattern::Compile("%%a%%").shape(), LikePattern::Shape::kInfix);
  EXPECT_EQ(LikePattern::Compile("%").shape(), LikePattern::Shape::kInfix);
  EXPECT_EQ(LikePattern::Compile("a\\%%").shape(), LikePattern::Shape::kPrefix);
  EXPECT_EQ(LikePattern::Compile("a_c").shape(), LikePattern::Shape::kGeneral);
  EXPECT_EQ(LikePattern::Compile("a%c").shape(), LikePattern::Shape::kGeneral);
}

TEST(LikeTest, Matching) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  } cases[] = {
      {"abc", "abc", true},
      {"abc", "abcd", false},
      {"abc%", "abcd", true},
      {"abc%", "xabc", false},
      {"%abc", "xabc", true},
      {"%abc", "abcx", false},
      {"%b%", "abc", true},
      {"%b%", "ac", false},
      {"", "", true},
      {"", "a", false},
      {"%", "", true},
      {"_", "", false},
      {"_", "é", true},
      {"__", "é", false},
      {"a_c", "abc", true},
      {"a_c", "abbc", false},
      {"a%c", "ac", true},
      {"a%c", "abbbc", true},
      {"a%c", "abcd", false},
      {"%a%b%c%", "xaybzc", true},
      {"%a%b%c%", "cba", false},
      {"a\\%", "a%", true},
      {"a\\%", "ab", false},
      {"a\\_", "a_", true},
      {"a\\_", "ab", false},
      {"a\\\\", "a\\", true},
      {"a\\b", "a\\b", true},
      {"%_%", "", false},
      {"%_%", "x", true},
      {"_%_", "ab", true},
      {"_%_", "a", false},
      {"%ab", "aab", true},
      {"%aab", "aaab", true},
  };
  for (const Case& c : cases)
    EXPECT_EQ(LikePattern::Compile(c.pattern).Match(c.text), c.match)
        << c.pattern << " ~ " << c.text;
}

TEST(LikeTest, PathologicalPatternIsFast) {
  std::string text(20000, 'a');
  auto pattern = LikePattern::Compile("%a%a%a%a%a%a%a%a%a%a%b");
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(pattern.Match(text));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace strata::expr
