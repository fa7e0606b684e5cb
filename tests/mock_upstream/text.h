// Word and suffix helpers every mock dialect uses to build its answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace across::mock {

bool EndsWith(std::string_view s, std::string_view suffix);
bool IsSpace(char c);
// Whitespace-separated words in `s` (the mock's token count).
int64_t CountWords(std::string_view s);
// Byte offset just past the `n`-th word of `s` (n >= 1), or s.size().
size_t EndOfWord(std::string_view s, int64_t n);

}  // namespace across::mock
