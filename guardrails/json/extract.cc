#include "guardrails/json/extract.h"

#include <boost/json/parse.hpp>

#include "guardrails/fenced_blocks.h"
#include "guardrails/unicode.h"

namespace across::guardrails::json {
namespace {

// End (exclusive) of the bracketed span opening at text[begin], or npos.
// Tracks strings so brackets inside them do not count.
size_t MatchingClose(std::string_view text, size_t begin) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = begin; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::string_view::npos;
}

bool IsJsonLanguage(std::string_view lang) {
  return lang.empty() || lang == "json" || lang == "JSON" || lang == "jsonc" ||
         lang == "json5";
}

}  // namespace

std::optional<boost::json::value> ParseJson(std::string_view text) {
  boost::json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, options);
  if (ec) return std::nullopt;
  return v;
}

std::optional<Extracted> ExtractJson(std::string_view text) {
  const std::string_view trimmed = Trim(text);
  if (auto v = ParseJson(trimmed)) return Extracted{std::move(*v), "text"};
  for (const FencedBlock& block : FindFencedBlocks(text)) {
    if (!IsJsonLanguage(block.language)) continue;
    if (auto v = ParseJson(Trim(block.body))) {
      return Extracted{std::move(*v), "fenced block"};
    }
  }
  int tries = 0;
  for (size_t i = text.find_first_of("{["); i != std::string_view::npos;
       i = text.find_first_of("{[", i + 1)) {
    if (++tries > 32) break;
    const size_t end = MatchingClose(text, i);
    if (end == std::string_view::npos) continue;
    if (auto v = ParseJson(text.substr(i, end - i))) {
      return Extracted{std::move(*v), "embedded"};
    }
  }
  return std::nullopt;
}

}  // namespace across::guardrails::json
