// Word and sentence counting for the count checks. Deliberately simple and
// documented rather than linguistically complete (no ICU in the build).
#pragma once

#include <cstddef>
#include <string_view>

namespace across::guardrails {

// Whitespace-separated tokens that contain at least one letter or digit
// (so a lone "-" or "," is not a word). Scripts written without spaces
// (Chinese, Japanese, Thai) count a whole run as one word.
size_t CountWords(std::string_view text);

// Sentences end at a run of . ! ? … (followed by whitespace or the end of
// text) or at 。！？ (no space needed); text after the last terminator that
// has a letter or digit is one more sentence. "3.14" does not split;
// abbreviations like "e.g. " do (no dictionary).
size_t CountSentences(std::string_view text);

}  // namespace across::guardrails
