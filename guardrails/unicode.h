// UTF-8 helpers shared by the text checks. Guardrails see raw request text,
// which may hold invalid UTF-8; every helper here tolerates that (an invalid
// byte decodes as U+FFFD of length 1) so no check can fail on bad input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace across::guardrails {

struct CodePoint {
  char32_t value = 0;
  size_t length = 0;  // bytes consumed; 0 only at the end of the text
};

// The code point starting at text[pos] (pos < size).
CodePoint DecodeAt(std::string_view text, size_t pos);

// The code point ending right before text[pos] (pos > 0).
CodePoint DecodeBefore(std::string_view text, size_t pos);

// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(char32_t cp, std::string& out);

// Number of code points (what users mean by "characters" closely enough;
// grapheme clusters would need ICU).
size_t CountCodePoints(std::string_view text);

// Unicode White_Space.
bool IsSpace(char32_t cp);

// Letters, digits, combining marks and '_' in any script: what a word
// boundary means for non-ASCII text (RE2's \b is ASCII-only).
bool IsWordChar(char32_t cp);

// Scripts written without spaces between words (Han, Hiragana, Katakana,
// Thai, Lao, Khmer, Myanmar): word-boundary rules cannot apply to them.
bool IsUnspacedScript(char32_t cp);

// `text` without leading / trailing Unicode whitespace.
std::string_view TrimRight(std::string_view text);
std::string_view Trim(std::string_view text);

}  // namespace across::guardrails
