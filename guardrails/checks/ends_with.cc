#include "guardrails/checks/ends_with.h"

#include "guardrails/pattern_set.h"
#include "guardrails/unicode.h"

namespace across::guardrails {

EndsWith::EndsWith(CommonOptions common, std::string suffix,
                   bool case_sensitive)
    : TextGuardrail(std::move(common)), suffix_(std::move(suffix)) {
  if (!case_sensitive) {
    // RE2 applies Unicode case folding, which a byte compare cannot.
    RE2::Options options;
    options.set_case_sensitive(false);
    folded_ = std::make_unique<RE2>(
        "(?:" + RE2::QuoteMeta(Piece(suffix_)) + ")\\z", options);
  }
}

TextOutcome EndsWith::EvaluateText(std::string_view text, bool partial) const {
  const std::string_view trimmed = TrimRight(text);
  TextOutcome out;
  out.satisfied = folded_ ? RE2::PartialMatch(Piece(trimmed), *folded_)
                          : trimmed.ends_with(suffix_);
  out.final = !partial;
  out.detail =
      std::string(out.satisfied ? "ends with " : "does not end with ") +
      Quote(suffix_);
  return out;
}

BuildResult BuildEndsWith(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  std::string suffix = params.RequiredString("suffix");
  const bool case_sensitive = params.Bool("case_sensitive", true);
  if (!params.ok()) return params.error();
  if (TrimRight(suffix).size() != suffix.size()) {
    params.Fail("suffix",
                "must not end with whitespace (trailing "
                "whitespace of the text is ignored)");
    return params.error();
  }
  return Finish<EndsWith>(params, std::move(common), std::move(suffix),
                          case_sensitive);
}

}  // namespace across::guardrails
