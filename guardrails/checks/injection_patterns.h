// The curated prompt-injection pattern set. Each entry is a phrasing that
// is common in published jailbreak / injection corpora and rare in normal
// requests; README.md lists them with their rationale. Patterns are RE2,
// case-insensitive unless a case-sensitive token (DAN) is the signal.
#pragma once

#include <span>
#include <string_view>

namespace across::guardrails {

struct InjectionPattern {
  std::string_view id;
  std::string_view pattern;
  std::string_view rationale;
};

std::span<const InjectionPattern> InjectionPatterns();

}  // namespace across::guardrails
