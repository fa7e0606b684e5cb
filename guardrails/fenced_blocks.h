// Markdown fenced code blocks (``` or ~~~, CommonMark rules), used by
// contains_code and by JSON extraction from model output.
#pragma once

#include <string_view>
#include <vector>

namespace across::guardrails {

struct FencedBlock {
  std::string_view language;  // first word of the info string ("" if none)
  std::string_view body;      // between the fence lines
  bool closed = false;        // false: ran to the end of the text
};

std::vector<FencedBlock> FindFencedBlocks(std::string_view text);

}  // namespace across::guardrails
