#include "guardrails/unicode.h"

#include <re2/re2.h>

#include <vector>

namespace across::guardrails {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

}  // namespace

CodePoint DecodeAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return {0, 0};
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  const size_t left = text.size() - pos;
  const unsigned char c = s[0];
  if (c < 0x80) return {c, 1};
  size_t len;
  char32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return {kReplacement, 1};
  }
  if (len > left) return {kReplacement, 1};
  for (size_t i = 1; i < len; ++i) {
    if (!IsContinuation(s[i])) return {kReplacement, 1};
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range values are invalid.
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return {kReplacement, 1};
  }
  return {cp, len};
}

CodePoint DecodeBefore(std::string_view text, size_t pos) {
  if (pos == 0 || pos > text.size()) return {0, 0};
  // Walk back over at most three continuation bytes to the lead byte, and
  // accept it only if it decodes to exactly the bytes up to `pos`.
  size_t start = pos - 1;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (start > 0 && pos - start < 4 && IsContinuation(s[start])) --start;
  CodePoint cp = DecodeAt(text, start);
  if (start + cp.length == pos) return cp;
  return {kReplacement, 1};
}

void AppendUtf8(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t CountCodePoints(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    i += c < 0x80 ? 1 : DecodeAt(text, i).length;
    ++n;
  }
  return n;
}

bool IsSpace(char32_t cp) {
  switch (cp) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool IsWordChar(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
           (cp >= 'A' && cp <= 'Z') || cp == '_';
  }
  // RE2 carries the Unicode tables, so ask it rather than ship our own;
  // the Basic Multilingual Plane is tabulated once (8 KiB) so long
  // non-Latin texts do not pay a regex call per character.
  static const RE2 kWord("[\\pL\\pN\\pM_]");
  auto ask = [](char32_t c) {
    std::string utf8;
    AppendUtf8(c, utf8);
    return RE2::FullMatch(re2::StringPiece(utf8.data(), utf8.size()), kWord);
  };
  static const std::vector<bool>* kBmp = [&ask] {
    auto* table = new std::vector<bool>(0x10000);
    for (char32_t c = 0x80; c < 0x10000; ++c) (*table)[c] = ask(c);
    return table;
  }();
  return cp < 0x10000 ? (*kBmp)[cp] : ask(cp);
}

bool IsUnspacedScript(char32_t cp) {
  return (cp >= 0x0E00 && cp <= 0x0EFF) ||  // Thai, Lao
         (cp >= 0x1000 && cp <= 0x109F) ||  // Myanmar
         (cp >= 0x1780 && cp <= 0x17FF) ||  // Khmer
         (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
         (cp >= 0x31F0 && cp <= 0x31FF) ||  // Katakana extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // Han extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // Han
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // Han compatibility
         (cp >= 0xFF66 && cp <= 0xFF9F) ||  // half-width Katakana
         (cp >= 0x20000 && cp <= 0x3134F);  // Han extensions B-G
}

std::string_view TrimRight(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    CodePoint cp = DecodeBefore(text, end);
    if (!IsSpace(cp.value)) break;
    end -= cp.length;
  }
  return text.substr(0, end);
}

std::string_view Trim(std::string_view text) {
  text = TrimRight(text);
  size_t start = 0;
  while (start < text.size()) {
    CodePoint cp = DecodeAt(text, start);
    if (!IsSpace(cp.value)) break;
    start += cp.length;
  }
  return text.substr(start);
}

}  // namespace across::guardrails
