// contains_code: the text must contain a fenced code block (``` or ~~~) in
// the given language (Portkey's containsCode). The language is compared
// case-insensitively with common aliases folded (py = python, js =
// javascript, ts = typescript, sh/shell/zsh = bash, c++/cxx = cpp, yml =
// yaml, golang = go, rs = rust, cs/c# = csharp, kt = kotlin, rb = ruby).
// "any" accepts a block in any (or no) language.
//
// params: language (required), roles, not
#pragma once

#include <string>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class ContainsCode : public TextGuardrail {
 public:
  ContainsCode(CommonOptions common, std::string language);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::string language_;  // canonical, or "any"
};

// Lower-cased language name with aliases folded.
std::string CanonicalLanguage(std::string_view name);

BuildResult BuildContainsCode(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
