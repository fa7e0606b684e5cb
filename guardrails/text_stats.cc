#include "guardrails/text_stats.h"

#include "guardrails/unicode.h"

namespace across::guardrails {
namespace {

bool IsTerminator(char32_t c) {
  return c == '.' || c == '!' || c == '?' || c == 0x2026 /* … */ ||
         c == 0x3002 /* 。 */ || c == 0xFF01 /* ！ */ || c == 0xFF1F /* ？ */;
}

bool IsWideTerminator(char32_t c) {
  return c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

// Closing quotes and brackets that may follow a terminator: 'He said "Hi."'
bool IsCloser(char32_t c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x00BB ||
         c == 0x2019 || c == 0x201D || c == 0x300D || c == 0x300F;
}

}  // namespace

size_t CountWords(std::string_view text) {
  size_t words = 0;
  bool in_token = false;
  bool counted = false;
  for (size_t i = 0; i < text.size();) {
    const CodePoint cp = DecodeAt(text, i);
    i += cp.length;
    if (IsSpace(cp.value)) {
      in_token = false;
      continue;
    }
    if (!in_token) {
      in_token = true;
      counted = false;
    }
    if (!counted && IsWordChar(cp.value)) {
      ++words;
      counted = true;
    }
  }
  return words;
}

size_t CountSentences(std::string_view text) {
  size_t sentences = 0;
  bool content = false;  // a letter or digit since the last sentence end
  size_t i = 0;
  while (i < text.size()) {
    CodePoint cp = DecodeAt(text, i);
    if (!IsTerminator(cp.value)) {
      if (IsWordChar(cp.value)) content = true;
      i += cp.length;
      continue;
    }
    bool wide = false;
    while (i < text.size() && (IsTerminator(cp.value) || IsCloser(cp.value))) {
      wide |= IsWideTerminator(cp.value);
      i += cp.length;
      cp = DecodeAt(text, i);
    }
    const bool ends = wide || i >= text.size() || IsSpace(cp.value);
    if (ends && content) {
      ++sentences;
      content = false;
    }
  }
  return sentences + (content ? 1 : 0);
}

}  // namespace across::guardrails
