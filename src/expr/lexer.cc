#include "expr/lexer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace strata::expr {
namespace {

// '$' lets filters name the dynamic field itself: $meta["a"].
bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TokenKind KeywordKind(std::string_view word) {
  std::string w = Lower(word);
  if (w == "and") return TokenKind::kAnd;
  if (w == "or") return TokenKind::kOr;
  if (w == "not") return TokenKind::kNot;
  if (w == "in") return TokenKind::kIn;
  if (w == "like") return TokenKind::kLike;
  if (w == "is") return TokenKind::kIs;
  if (w == "null") return TokenKind::kNull;
  if (w == "exists") return TokenKind::kExists;
  if (w == "true") return TokenKind::kTrue;
  if (w == "false") return TokenKind::kFalse;
  return TokenKind::kIdent;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Roughly log10 of a decimal literal ("123e5" -> 8, "0.001" -> -2), to tell overflow from
// underflow: from_chars reports both as result_out_of_range without a value.
int64_t DecimalMagnitude(std::string_view digits) {
  size_t e = digits.find_first_of("eE");
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp = digits.substr(e + 1);
    bool negative = !exp.empty() && exp.front() == '-';
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) exp.remove_prefix(1);
    for (char c : exp) exponent = std::min<int64_t>(exponent * 10 + (c - '0'), 1000000);
    if (negative) exponent = -exponent;
    digits = digits.substr(0, e);
  }
  size_t point = std::min(digits.find('.'), digits.size());
  size_t first = digits.find_first_of("123456789");
  if (first == std::string_view::npos) return -1;  // zero never overflows
  int64_t position = first < point ? static_cast<int64_t>(point - first)
                                   : -static_cast<int64_t>(first - point - 1);
  return position + exponent;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      if (pos_ >= text_.size()) break;
      ASSIGN_OR_RETURN(Token token, Next());
      tokens.push_back(std::move(token));
    }
    Token end;
    end.pos = text_.size();
    tokens.push_back(std::move(end));
    return tokens;
  }

 private:
  Status Error(size_t pos, std::string_view what) const {
    return InvalidArgument(fmt::format("{} at position {}", what, pos));
  }

  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  Token Simple(TokenKind kind, size_t length) {
    Token t;
    t.kind = kind;
    t.pos = pos_;
    pos_ += length;
    return t;
  }

  Result<Token> Next() {
    char c = Peek();
    if (IsIdentStart(c)) return Identifier();
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return Number();
    if (c == '"' || c == '\'') return String();
    switch (c) {
      case '(':
        return Simple(TokenKind::kLParen, 1);
      case ')':
        return Simple(TokenKind::kRParen, 1);
      case '[':
        return Simple(TokenKind::kLBracket, 1);
      case ']':
        return Simple(TokenKind::kRBracket, 1);
      case ',':
        return Simple(TokenKind::kComma, 1);
      case '+':
        return Simple(TokenKind::kPlus, 1);
      case '-':
        return Simple(TokenKind::kMinus, 1);
      case '/':
        return Simple(TokenKind::kSlash, 1);
      case '%':
        return Simple(TokenKind::kPercent, 1);
      case '*':
        return Peek(1) == '*' ? Simple(TokenKind::kPower, 2) : Simple(TokenKind::kStar, 1);
      case '<':
        return Peek(1) == '=' ? Simple(TokenKind::kLe, 2) : Simple(TokenKind::kLt, 1);
      case '>':
        return Peek(1) == '=' ? Simple(TokenKind::kGe, 2) : Simple(TokenKind::kGt, 1);
      case '!':
        return Peek(1) == '=' ? Simple(TokenKind::kNe, 2) : Simple(TokenKind::kNot, 1);
      case '=':
        if (Peek(1) == '=') return Simple(TokenKind::kEq, 2);
        return Error(pos_, "unexpected '=' (use '==' to compare)");
      case '&':
        if (Peek(1) == '&') return Simple(TokenKind::kAnd, 2);
        return Error(pos_, "unexpected '&' (use '&&' or 'and')");
      case '|':
        if (Peek(1) == '|') return Simple(TokenKind::kOr, 2);
        return Error(pos_, "unexpected '|' (use '||' or 'or')");
      case '{':
        return Template();
      default:
        break;
    }
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return Error(pos_, fmt::format("unexpected character '{}'", c));
    return Error(pos_, fmt::format("unexpected byte 0x{:02x}", u));
  }

  Token Identifier() {
    size_t start = pos_++;  // the start character, which may be '$'
    while (IsIdentChar(Peek())) ++pos_;
    Token t;
    t.pos = start;
    t.text = std::string(text_.substr(start, pos_ - start));
    t.kind = KeywordKind(t.text);
    return t;
  }

  Result<Token> Template() {
    size_t start = pos_++;
    while (Peek() == ' ') ++pos_;
    if (!IsIdentStart(Peek())) return Error(pos_, "expected a template name after '{'");
    size_t name_start = pos_;
    while (IsIdentChar(Peek())) ++pos_;
    std::string name(text_.substr(name_start, pos_ - name_start));
    while (Peek() == ' ') ++pos_;
    if (Peek() != '}') return Error(pos_, "expected '}' to close the template");
    ++pos_;
    Token t;
    t.kind = TokenKind::kTemplate;
    t.pos = start;
    t.text = std::move(name);
    return t;
  }

  Result<Token> Number() {
    size_t start = pos_;
    bool is_float = false;
    bool hex = Peek() == '0' && (Peek(1) == 'x' || Peek(1) == 'X');
    if (hex) {
      pos_ += 2;
      while (std::isxdigit(static_cast<unsigned char>(Peek()))) ++pos_;
      if (pos_ == start + 2) return Error(start, "hexadecimal literal has no digits");
    } else {
      while (IsDigit(Peek())) ++pos_;
      if (Peek() == '.') {
        is_float = true;
        ++pos_;
        while (IsDigit(Peek())) ++pos_;
      }
      if (Peek() == 'e' || Peek() == 'E') {
        size_t save = pos_;
        ++pos_;
        if (Peek() == '+' || Peek() == '-') ++pos_;
        if (!IsDigit(Peek())) return Error(save, "float literal has an empty exponent");
        while (IsDigit(Peek())) ++pos_;
        is_float = true;
      }
    }
    if (IsIdentChar(Peek()) || Peek() == '.')
      return Error(start,
                   fmt::format("malformed number '{}'", text_.substr(start, pos_ - start + 1)));
    std::string_view digits = text_.substr(start, pos_ - start);
    Token t;
    t.pos = start;
    if (is_float) {
      // from_chars rejects a leading '.'; prefix a zero so ".5" parses.
      std::string buf;
      if (digits.front() == '.') buf.push_back('0');
      buf.append(digits);
      double value = 0;
      auto [end, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), value);
      if (ec == std::errc::result_out_of_range && DecimalMagnitude(buf) < 0) {
        value = 0;  // underflow rounds to zero like every other parser
      } else if (ec != std::errc() || end != buf.data() + buf.size() || !std::isfinite(value)) {
        return Error(start, fmt::format("float literal '{}' is out of range", digits));
      }
      t.kind = TokenKind::kFloat;
      t.float_value = value;
      return t;
    }
    if (!hex && digits.size() > 1 && digits.front() == '0')
      return Error(start, fmt::format("integer literal '{}' has a leading zero", digits));
    std::string_view body = hex ? digits.substr(2) : digits;
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), value, hex ? 16 : 10);
    if (ec != std::errc() || end != body.data() + body.size() || value > kMaxIntMagnitude)
      return Error(start, fmt::format("integer literal '{}' is out of range", digits));
    t.kind = TokenKind::kInt;
    t.int_value = value;
    return t;
  }

  Result<uint32_t> Hex4(size_t at) {
    if (at + 4 > text_.size()) return Error(at, "incomplete \\u escape");
    uint32_t v = 0;
    auto [end, ec] = std::from_chars(text_.data() + at, text_.data() + at + 4, v, 16);
    if (ec != std::errc() || end != text_.data() + at + 4) return Error(at, "invalid \\u escape");
    return v;
  }

  // Escapes as in JSON; any other escaped character keeps its backslash so that like
  // patterns can use \% and \_ for literal percent and underscore.
  Result<Token> String() {
    size_t start = pos_;
    char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) return Error(start, "unterminated string literal starting");
      char c = text_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Error(start, "unterminated string literal starting");
      char e = text_[pos_++];
      switch (e) {
        case 'n':
          value.push_back('\n');
          break;
        case 't':
          value.push_back('\t');
          break;
        case 'r':
          value.push_back('\r');
          break;
        case 'b':
          value.push_back('\b');
          break;
        case 'f':
          value.push_back('\f');
          break;
        case '"':
        case '\'':
        case '/':
        case '\\':
          value.push_back(e);
          break;
        case 'u': {
          ASSIGN_OR_RETURN(uint32_t cp, Hex4(pos_));
          size_t esc = pos_ - 2;
          pos_ += 4;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Error(esc, "unpaired surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (Peek() != '\\' || Peek(1) != 'u')
              return Error(esc, "unpaired surrogate in \\u escape");
            ASSIGN_OR_RETURN(uint32_t low, Hex4(pos_ + 2));
            if (low < 0xDC00 || low > 0xDFFF) return Error(esc, "unpaired surrogate in \\u escape");
            pos_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(cp, &value);
          break;
        }
        default:
          value.push_back('\\');
          value.push_back(e);
          break;
      }
    }
    Token t;
    t.kind = TokenKind::kString;
    t.pos = start;
    t.text = std::move(value);
    return t;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Token>> Tokenize(std::string_view text) { return Lexer(text).Run(); }

std::string QuoteForMessage(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool valid = n > 0 && i + n <= text.size();
    for (size_t k = 1; valid && k < n; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid || c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.append(text.substr(i, n));
    i += n;
  }
  out.push_back('"');
  return out;
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kInt:
      return fmt::format("integer {}", token.int_value);
    case TokenKind::kFloat:
      return fmt::format("number {}", token.float_value);
    case TokenKind::kString:
      return "string " + QuoteForMessage(token.text);
    case TokenKind::kIdent:
      return fmt::format("identifier '{}'", token.text);
    case TokenKind::kTemplate:
      return fmt::format("template {{{}}}", token.text);
    case TokenKind::kLParen:
      return "'('";
    case TokenKind::kRParen:
      return "')'";
    case TokenKind::kLBracket:
      return "'['";
    case TokenKind::kRBracket:
      return "']'";
    case TokenKind::kComma:
      return "','";
    case TokenKind::kPlus:
      return "'+'";
    case TokenKind::kMinus:
      return "'-'";
    case TokenKind::kStar:
      return "'*'";
    case TokenKind::kSlash:
      return "'/'";
    case TokenKind::kPercent:
      return "'%'";
    case TokenKind::kPower:
      return "'**'";
    case TokenKind::kEq:
      return "'=='";
    case TokenKind::kNe:
      return "'!='";
    case TokenKind::kLt:
      return "'<'";
    case TokenKind::kLe:
      return "'<='";
    case TokenKind::kGt:
      return "'>'";
    case TokenKind::kGe:
      return "'>='";
    case TokenKind::kAnd:
      return "'and'";
    case TokenKind::kOr:
      return "'or'";
    case TokenKind::kNot:
      return "'not'";
    case TokenKind::kIn:
      return "'in'";
    case TokenKind::kLike:
      return "'like'";
    case TokenKind::kIs:
      return "'is'";
    case TokenKind::kNull:
      return "'null'";
    case TokenKind::kExists:
      return "'exists'";
    case TokenKind::kTrue:
      return "'true'";
    case TokenKind::kFalse:
      return "'false'";
  }
  return "token";
}

}  // namespace strata::expr
