#include "expr/like.h"

namespace strata::expr {
namespace {

// Length of the UTF-8 character starting at text[i]; invalid lead bytes count as one byte.
size_t CharLength(std::string_view text, size_t i) {
  unsigned char c = static_cast<unsigned char>(text[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
  if (i + n > text.size()) return 1;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  return n;
}

}  // namespace

LikePattern LikePattern::Compile(std::string_view pattern) {
  LikePattern p;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size() &&
        (pattern[i + 1] == '%' || pattern[i + 1] == '_' || pattern[i + 1] == '\\')) {
      p.elements_.push_back({Element::kLiteral, pattern[++i]});
    } else if (c == '%') {
      // Consecutive '%' are one wildcard.
      if (p.elements_.empty() || p.elements_.back().kind != Element::kAny)
        p.elements_.push_back({Element::kAny, 0});
    } else if (c == '_') {
      p.elements_.push_back({Element::kOne, 0});
    } else {
      p.elements_.push_back({Element::kLiteral, c});
    }
  }
  // Classify: literal core with optional leading and trailing '%' and nothing else.
  size_t begin = 0, end = p.elements_.size();
  bool lead = begin < end && p.elements_[begin].kind == Element::kAny;
  if (lead) ++begin;
  bool trail = begin < end && p.elements_[end - 1].kind == Element::kAny;
  if (trail) --end;
  bool simple = true;
  for (size_t i = begin; i < end; ++i) {
    if (p.elements_[i].kind != Element::kLiteral) {
      simple = false;
      break;
    }
    p.literal_.push_back(p.elements_[i].byte);
  }
  if (!simple) {
    p.shape_ = Shape::kGeneral;
    p.literal_.clear();
  } else if (lead && trail) {
    p.shape_ = Shape::kInfix;
  } else if (lead) {
    // A lone "%" is lead without trail; it is an infix search for "" (matches everything).
    p.shape_ = p.literal_.empty() ? Shape::kInfix : Shape::kSuffix;
  } else if (trail) {
    p.shape_ = Shape::kPrefix;
  } else {
    p.shape_ = Shape::kExact;
  }
  return p;
}

bool LikePattern::Match(std::string_view text) const {
  switch (shape_) {
    case Shape::kExact:
      return text == literal_;
    case Shape::kPrefix:
      return text.starts_with(literal_);
    case Shape::kSuffix:
      return text.ends_with(literal_);
    case Shape::kInfix:
      return text.find(literal_) != std::string_view::npos;
    case Shape::kGeneral:
      return MatchGeneral(text);
  }
  return false;
}

// Iterative wildcard matching: on a mismatch, retry from the most recent '%' with one more
// character consumed by it. Earlier '%' never need revisiting, which bounds the work.
bool LikePattern::MatchGeneral(std::string_view text) const {
  size_t t = 0, e = 0;
  size_t star_e = std::string_view::npos, star_t = 0;
  const size_t n = elements_.size();
  while (t < text.size()) {
    if (e < n && elements_[e].kind == Element::kAny) {
      star_e = e++;
      star_t = t;
      continue;
    }
    if (e < n && elements_[e].kind == Element::kOne) {
      t += CharLength(text, t);
      ++e;
      continue;
    }
    if (e < n && elements_[e].byte == text[t]) {
      ++t;
      ++e;
      continue;
    }
    if (star_e == std::string_view::npos) return false;
    e = star_e + 1;
    star_t += CharLength(text, star_t);
    t = star_t;
  }
  while (e < n && elements_[e].kind == Element::kAny) ++e;
  return e == n;
}

}  // namespace strata::expr
