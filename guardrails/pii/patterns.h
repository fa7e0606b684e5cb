// One entry per PII kind: the RE2 pattern (ASCII-only, compiled in Latin-1
// mode so invalid UTF-8 never matters and the DFA stays byte-sized), the
// longest match accepted, the context and checksum rules applied to each
// candidate, and the byte set a match is made of (for the stream redactor's
// hold-back).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "guardrails/pii/kind.h"

namespace across::guardrails::pii {

using ByteSet = std::array<bool, 256>;

struct KindSpec {
  PiiKind kind;
  // Breaks ties between overlapping candidates that start at the same byte
  // and have the same length (lower wins): secrets before numbers.
  int priority;
  std::string_view pattern;
  // Longest accepted match in bytes. Bounds the stream hold-back.
  size_t max_length;
  // Decides a regex candidate text[begin, end) with its surroundings
  // visible. Returns the accepted end (usually `end`; shorter when trailing
  // groups had to be dropped) or nullopt.
  std::optional<size_t> (*accept)(std::string_view text, size_t begin,
                                  size_t end);
  // Every byte a match can contain.
  ByteSet bytes;
};

// Spec for a kind (patterns are fixed at build time).
const KindSpec& SpecFor(PiiKind kind);

}  // namespace across::guardrails::pii
