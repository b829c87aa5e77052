#include "objstore/s3/xml.h"

#include <cstdint>

namespace strata::s3 {
namespace {

// Finds the next element `name` at or after `from`. On success sets the content span and
// returns the position just past the end tag; returns npos when there is none.
size_t FindElement(std::string_view xml, std::string_view name, size_t from,
                   std::string_view* content) {
  if (name.empty()) return std::string_view::npos;
  while (from < xml.size()) {
    size_t open = xml.find('<', from);
    if (open == std::string_view::npos) return std::string_view::npos;
    size_t after_name = open + 1 + name.size();
    if (xml.substr(open + 1, name.size()) != name || after_name >= xml.size()) {
      from = open + 1;
      continue;
    }
    char next = xml[after_name];
    if (next != '>' && next != '/' && next != ' ' && next != '\t' && next != '\r' && next != '\n') {
      from = open + 1;  // a longer name with the same start, e.g. <KeyCount> for <Key>
      continue;
    }
    size_t tag_end = xml.find('>', after_name);
    if (tag_end == std::string_view::npos) return std::string_view::npos;
    if (xml[tag_end - 1] == '/') {  // <name/> or <name attr="x"/>
      *content = xml.substr(tag_end, 0);
      return tag_end + 1;
    }
    std::string close = "</" + std::string(name) + ">";
    size_t close_pos = xml.find(close, tag_end + 1);
    if (close_pos == std::string_view::npos) return std::string_view::npos;
    *content = xml.substr(tag_end + 1, close_pos - tag_end - 1);
    return close_pos + close.size();
  }
  return std::string_view::npos;
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

// Parses "#NN" or "#xNN" (the text between '&' and ';'); nullopt if not a valid code point.
std::optional<uint32_t> ParseCharRef(std::string_view ref) {
  if (ref.size() < 2 || ref[0] != '#') return std::nullopt;
  bool hex = ref[1] == 'x' || ref[1] == 'X';
  std::string_view digits = ref.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return std::nullopt;
  uint32_t value = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
  }
  if (value > 0x10FFFF) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string_view> XmlFind(std::string_view xml, std::string_view name) {
  std::string_view content;
  if (FindElement(xml, name, 0, &content) == std::string_view::npos) return std::nullopt;
  return content;
}

std::vector<std::string_view> XmlFindAll(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  std::string_view content;
  size_t pos = 0;
  while ((pos = FindElement(xml, name, pos, &content)) != std::string_view::npos)
    out.push_back(content);
  return out;
}

std::string XmlText(std::string_view xml, std::string_view name) {
  auto content = XmlFind(xml, name);
  return content ? XmlUnescape(*content) : std::string();
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '&') {
      size_t semi = text.find(';', i + 1);
      if (semi != std::string_view::npos && semi - i <= 12) {
        std::string_view ref = text.substr(i + 1, semi - i - 1);
        const char* named = ref == "lt"     ? "<"
                            : ref == "gt"   ? ">"
                            : ref == "amp"  ? "&"
                            : ref == "quot" ? "\""
                            : ref == "apos" ? "'"
                                            : nullptr;
        if (named != nullptr) {
          out += named;
          i = semi + 1;
          continue;
        }
        if (auto cp = ParseCharRef(ref)) {
          AppendUtf8(*cp, &out);
          i = semi + 1;
          continue;
        }
      }
    }
    out.push_back(text[i]);
    ++i;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace strata::s3
