#include "guardrails/checks/count_range.h"

namespace across::guardrails {

std::string CountRange::Describe(int64_t n, std::string_view unit) const {
  std::string out = "has " + std::to_string(n) + " " + std::string(unit);
  if (n != 1) out += "s";
  out += " (";
  if (min) out += "min " + std::to_string(*min);
  if (min && max) out += ", ";
  if (max) out += "max " + std::to_string(*max);
  out += ")";
  return out;
}

CountRange CountRange::Read(ParamReader& params) {
  CountRange range;
  constexpr int64_t kLimit = int64_t{1} << 40;
  range.min = params.Int("min", 0, kLimit);
  range.max = params.Int("max", 0, kLimit);
  if (!params.ok()) return range;
  if (!range.min && !range.max) {
    params.Fail("min", "set min, max or both");
  } else if (range.min && range.max && *range.min > *range.max) {
    params.Fail("min", "must not exceed max");
  }
  return range;
}

}  // namespace across::guardrails
