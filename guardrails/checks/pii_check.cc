#include "guardrails/checks/pii_check.h"

#include <set>

#include "guardrails/pii/stream_redactor.h"

namespace across::guardrails {

PiiCheck::PiiCheck(CommonOptions common,
                   std::shared_ptr<const pii::PiiDetector> detector)
    : TextGuardrail(std::move(common)), detector_(std::move(detector)) {}

std::unique_ptr<pii::StreamRedactor> PiiCheck::NewStreamRedactor(
    pii::Redactor& redactor) const {
  if (action() != Action::kRedact || !CanRedact()) return nullptr;
  return std::make_unique<pii::StreamRedactor>(*detector_, redactor);
}

TextOutcome PiiCheck::EvaluateText(std::string_view text, bool partial) const {
  TextOutcome out;
  const std::vector<pii::PiiMatch> matches = detector_->Detect(text);
  // On a partial text only matches clear of the held-back tail are
  // settled: "4111 1111 1111 1111" may yet grow into a longer number.
  const size_t settled_end =
      partial ? text.size() - detector_->HoldBack(text) : text.size();
  bool settled = false;
  std::set<std::string_view> labels;
  for (const pii::PiiMatch& m : matches) {
    const std::string_view label = pii::PiiKindLabel(m.kind);
    out.findings.push_back({m.begin, m.end, std::string(label)});
    labels.insert(label);
    settled =
        settled || (m.end <= settled_end &&
                    m.end + pii::PiiDetector::kRightContext <= text.size());
  }
  out.satisfied = matches.empty();
  out.final = !partial || settled;
  if (matches.empty()) {
    out.detail = "no PII found";
  } else {
    out.detail = "found " + std::to_string(matches.size()) + " PII item" +
                 (matches.size() == 1 ? "" : "s") + " (";
    bool first = true;
    for (std::string_view label : labels) {
      if (!first) out.detail += ", ";
      out.detail += label;
      first = false;
    }
    out.detail += ")";
  }
  return out;
}

BuildResult BuildPii(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  auto names = params.StringList("kinds", false, true);
  if (!params.ok()) return params.error();
  pii::PiiKindSet kinds;
  for (const std::string& name :
       names.value_or(std::vector<std::string>{"all"})) {
    auto parsed = pii::ParsePiiKinds(name);
    if (!parsed) {
      params.Fail("kinds", "unknown PII kind \"" + name + "\"");
      return params.error();
    }
    kinds |= *parsed;
  }
  std::shared_ptr<const pii::PiiDetector> detector;
  if (kinds.all()) {
    // Share the process-wide detector rather than compiling another.
    detector = std::shared_ptr<const pii::PiiDetector>(
        std::shared_ptr<void>(), &pii::PiiDetector::Default());
  } else {
    detector = std::make_shared<const pii::PiiDetector>(kinds);
  }
  return Finish<PiiCheck>(params, std::move(common), std::move(detector));
}

}  // namespace across::guardrails
