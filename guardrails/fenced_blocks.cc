#include "guardrails/fenced_blocks.h"

namespace across::guardrails {
namespace {

struct Fence {
  char ch = 0;
  size_t length = 0;
  std::string_view rest;  // after the fence characters
};

// A fence line: up to three spaces, then three or more ` or ~.
bool ParseFence(std::string_view line, Fence* fence) {
  size_t i = 0;
  while (i < line.size() && i < 3 && line[i] == ' ') ++i;
  if (i >= line.size() || (line[i] != '`' && line[i] != '~')) return false;
  const char ch = line[i];
  size_t j = i;
  while (j < line.size() && line[j] == ch) ++j;
  if (j - i < 3) return false;
  fence->ch = ch;
  fence->length = j - i;
  fence->rest = line.substr(j);
  return true;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::vector<FencedBlock> FindFencedBlocks(std::string_view text) {
  std::vector<FencedBlock> blocks;
  size_t pos = 0;
  bool open = false;
  Fence opening;
  size_t body_begin = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    Fence fence;
    if (!open) {
      // Backtick fences may not have a backtick in the info string.
      if (ParseFence(line, &fence) &&
          !(fence.ch == '`' &&
            fence.rest.find('`') != std::string_view::npos)) {
        open = true;
        opening = fence;
        body_begin = eol < text.size() ? eol + 1 : text.size();
      }
    } else if (ParseFence(line, &fence) && fence.ch == opening.ch &&
               fence.length >= opening.length &&
               TrimSpaces(fence.rest).empty()) {
      const std::string_view info = TrimSpaces(opening.rest);
      blocks.push_back({info.substr(0, info.find_first_of(" \t{")),
                        text.substr(body_begin, pos - body_begin), true});
      open = false;
    }
    if (eol >= text.size()) break;
    pos = eol + 1;
  }
  if (open) {
    const std::string_view info = TrimSpaces(opening.rest);
    blocks.push_back({info.substr(0, info.find_first_of(" \t{")),
                      text.substr(body_begin), false});
  }
  return blocks;
}

}  // namespace across::guardrails
