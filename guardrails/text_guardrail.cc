#include "guardrails/text_guardrail.h"

#include <algorithm>
#include <optional>

#include "guardrails/mask.h"
#include "guardrails/pii/redactor.h"

namespace across::guardrails {
namespace {

// `roles` picks input messages; the output is always checked.
bool Selected(const std::vector<std::string>& roles,
              const GuardrailInput& input, std::string_view role) {
  return roles.empty() || input.stage == Stage::kOutput ||
         std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string Where(const GuardrailInput& input, const TextItem& item) {
  if (input.stage == Stage::kOutput) return "output";
  return "message " + std::to_string(item.index) + " (" +
         std::string(item.role) + ")";
}

// Sorted, non-overlapping spans: a check may report overlapping findings
// (two banned words sharing letters); redaction replaces their union.
std::vector<pii::RedactSpan> Spans(std::vector<Finding>& findings) {
  std::sort(findings.begin(), findings.end(),
            [](const Finding& a, const Finding& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
            });
  std::vector<pii::RedactSpan> spans;
  for (const Finding& f : findings) {
    if (!spans.empty() && f.begin < spans.back().end) {
      spans.back().end = std::max(spans.back().end, f.end);
      continue;
    }
    spans.push_back({f.begin, f.end, f.label});
  }
  return spans;
}

}  // namespace

void TextGuardrail::Evaluate(const GuardrailInput& input,
                             GuardrailResult& result) const {
  const bool redact = action() == Action::kRedact && CanRedact();
  std::optional<pii::Redactor> local;
  pii::Redactor* redactor = input.redactor;
  if (redact && redactor == nullptr) redactor = &local.emplace();

  size_t checked = 0;
  bool all_final = true;
  std::string first_failure;
  std::string last_detail;
  for (const TextItem& item : input.texts) {
    if (!Selected(options().roles, input, item.role)) continue;
    ++checked;
    TextOutcome outcome = EvaluateText(item.text, input.partial);
    const bool final = !input.partial || outcome.final;
    const bool ok = outcome.satisfied != negated();
    for (const Finding& f : outcome.findings) {
      if (result.matches.size() >= GuardrailResult::kMaxMatches) break;
      result.matches.push_back(
          {f.label,
           MaskFor(f.label, item.text.substr(f.begin, f.end - f.begin)),
           item.index, f.begin, f.end});
    }
    last_detail = outcome.detail;
    if (!final) {
      all_final = false;  // not failing yet; the stream may still change it
      continue;
    }
    if (ok) continue;
    result.failed_messages.push_back(item.index);
    if (first_failure.empty()) {
      first_failure = Where(input, item) + ": " + outcome.detail;
    }
    if (redact && !outcome.findings.empty()) {
      result.redacted.push_back(
          {item.index, redactor->Apply(item.text, Spans(outcome.findings))});
    }
  }

  if (!result.failed_messages.empty()) {
    result.verdict = Verdict::kFail;
    result.final = true;
    result.explanation = first_failure;
    if (result.failed_messages.size() > 1) {
      result.explanation += " (and " +
                            std::to_string(result.failed_messages.size() - 1) +
                            " more)";
    }
    if (negated()) result.explanation += " [inverted by not]";
    return;
  }
  result.verdict = Verdict::kPass;
  result.final = all_final;
  if (checked == 0) {
    result.explanation = "no text to check";
  } else if (!all_final) {
    result.explanation = "undecided until the output is complete";
  } else if (checked == 1) {
    result.explanation = last_detail + (negated() ? " [inverted by not]" : "");
  } else {
    result.explanation = "all " + std::to_string(checked) + " messages passed";
  }
}

}  // namespace across::guardrails
