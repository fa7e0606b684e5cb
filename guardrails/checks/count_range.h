// The min/max pair shared by word_count, sentence_count and
// character_count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "guardrails/params.h"

namespace across::guardrails {

struct CountRange {
  std::optional<int64_t> min;
  std::optional<int64_t> max;

  bool Contains(int64_t n) const {
    return (!min || n >= *min) && (!max || n <= *max);
  }
  bool AboveMax(int64_t n) const { return max && n > *max; }

  // "has 12 words (min 1, max 10)"
  std::string Describe(int64_t n, std::string_view unit) const;

  // Reads `min` and `max`: non-negative, at least one present, min <= max.
  static CountRange Read(ParamReader& params);
};

}  // namespace across::guardrails
