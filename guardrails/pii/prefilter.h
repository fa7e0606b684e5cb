// Cheap byte scan that finds the parts of a text that can hold PII at all,
// so the RE2::Set only runs there. Every kind needs a "trigger": a dense
// cluster of digits (numbers), ':' (IPv6), '@' (email) or a literal prefix
// (sk-, AKIA/ASIA/ABIA/ACCA, eyJ, -----BEGIN). A region spans from a little
// before a trigger to the longest match that trigger can be part of, so a match
// always lies inside one region. Prose has few triggers, so most bytes are
// touched once by a 16-byte SIMD compare and never by a regex.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "guardrails/pii/kind.h"

namespace across::guardrails::pii {

struct Region {
  size_t begin = 0;
  size_t end = 0;
};

// Fills `regions` with sorted, disjoint spans of `text` that may contain a
// match of one of `kinds`.
void FindRegions(std::string_view text, const PiiKindSet& kinds,
                 std::vector<Region>* regions);

}  // namespace across::guardrails::pii
