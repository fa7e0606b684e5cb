#include "guardrails/checks/max_tokens_cap.h"

namespace across::guardrails {

MaxTokensCap::MaxTokensCap(CommonOptions common, int64_t max, bool require)
    : RequestGuardrail(std::move(common)), max_(max), require_(require) {}

RequestOutcome MaxTokensCap::EvaluateRequest(
    const GuardrailInput& input) const {
  RequestOutcome out;
  const std::string cap = " (cap " + std::to_string(max_) + ")";
  if (!input.max_tokens) {
    out.satisfied = !require_;
    out.detail = "request does not set max tokens" + cap;
    return out;
  }
  out.satisfied = *input.max_tokens <= max_;
  out.detail = "request asks for " + std::to_string(*input.max_tokens) +
               " max tokens" + cap;
  return out;
}

BuildResult BuildMaxTokensCap(ParamReader& params, CommonOptions common) {
  const bool present = params.Has("max");
  auto max = params.Int("max", 1, int64_t{1} << 40);
  const bool require = params.Bool("require", false);
  if (!present) params.Fail("max", "is required");
  if (!params.ok()) return params.error();
  return Finish<MaxTokensCap>(params, std::move(common), *max, require);
}

}  // namespace across::guardrails
