#include "tests/mock_upstream/text.h"

namespace across::mock {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' ||
         c == '\v';
}

int64_t CountWords(std::string_view s) {
  int64_t n = 0;
  bool in_word = false;
  for (char c : s) {
    const bool space = IsSpace(c);
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

size_t EndOfWord(std::string_view s, int64_t n) {
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool space = IsSpace(s[i]);
    if (in_word && space && --n == 0) return i;
    in_word = !space;
  }
  return s.size();
}

}  // namespace across::mock
