// pii: fails when the text contains personal data or secrets (email, phone,
// credit card, US SSN, IBAN, IPv4/IPv6, OpenAI/Anthropic keys, AWS access
// keys, JWTs, private keys; see pii/). With action redact each finding is
// replaced by a typed placeholder ("[EMAIL_1]") numbered per request, and
// streamed output can be redacted incrementally (NewStreamRedactor).
//
// params: kinds (names or groups "all", "secrets", "network"; default all),
//         roles, not
#pragma once

#include <memory>

#include "guardrails/checks/builder.h"
#include "guardrails/pii/detector.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class PiiCheck : public TextGuardrail {
 public:
  PiiCheck(CommonOptions common,
           std::shared_ptr<const pii::PiiDetector> detector);

  bool CanRedact() const override { return !negated(); }
  std::unique_ptr<pii::StreamRedactor> NewStreamRedactor(
      pii::Redactor& redactor) const override;

  const pii::PiiDetector& detector() const { return *detector_; }

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::shared_ptr<const pii::PiiDetector> detector_;
};

BuildResult BuildPii(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
