#include <gtest/gtest.h>

#include "guardrails/pii/redactor.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(RegexMatch, Table) {
  const std::string long_text = LongProse(1 << 20) + " ticket TKT-4821";
  RunTable(
      "regex_match",
      {
          {"match passes", R"({"rule":"TKT-\\d+"})", "see TKT-12", true},
          {"no match fails", R"({"rule":"TKT-\\d+"})", "see TKT-", false},
          {"not: match fails", R"({"rule":"TKT-\\d+","not":true})",
           "see TKT-12", false},
          {"not: no match passes", R"({"rule":"TKT-\\d+","not":true})",
           "nothing", true},
          {"empty text, no match", R"({"rule":"a"})", "", false},
          {"empty text matches empty rule", R"({"rule":"^$"})", "", true},
          {"unicode", R"({"rule":"日本\\p{Han}"})", "東京は日本語", true},
          {"unicode class", R"({"rule":"^\\p{Cyrillic}+$"})", "привет", true},
          {"case sensitive by default", R"({"rule":"hello"})", "HELLO", false},
          {"case_insensitive", R"({"rule":"hello","case_insensitive":true})",
           "HELLO", true},
          {"very long input", R"({"rule":"TKT-\\d{4}"})", long_text, true},
          {"very long input, not", R"({"rule":"TKT-\\d{4}","not":true})",
           long_text, false},
      });
}

TEST(RegexMatch, BadParams) {
  ExpectLoadError("regex_match", R"({"rule":"(ab"})", "params.rule");
  ExpectLoadError("regex_match", R"({"rule":"(?<=a)b"})", "params.rule");
  ExpectLoadError("regex_match", R"({})", "params.rule");
  ExpectLoadError("regex_match", R"({"rule":""})", "params.rule");
  ExpectLoadError("regex_match", R"({"rule":5})", "params.rule");
  ExpectLoadError("regex_match", R"({"rule":"a","not":"yes"})", "params.not");
  ExpectLoadError("regex_match", R"({"rule":"a","rul":"b"})", "params.rul");
  ExpectLoadError("regex_match", R"({"rule":"a","redact_label":"bad label"})",
                  "params.redact_label");
  ExpectLoadError("regex_match", R"({"rule":"a","roles":["robot"]})",
                  "params.roles");
  // Redaction needs not=true: the check must fail on what it replaces.
  ConfigError e = BuildError("regex_match", R"({"rule":"a"})", "redact");
  EXPECT_EQ(e.field, "action");
}

TEST(RegexMatch, InvalidRegexErrorNamesGuardrail) {
  ConfigError e = BuildError("regex_match", R"x({"rule":"a)"})x");
  EXPECT_NE(e.ToString().find("guardrail \"bad\": params.rule: invalid regex"),
            std::string::npos)
      << e.ToString();
}

TEST(RegexMatch, MatchesAreMasked) {
  auto g = Build("regex_match", R"({"rule":"secret-\\w+","not":true})");
  GuardrailResult r = CheckOutput(*g, "a secret-alpha and secret-beta");
  ASSERT_FALSE(r.passed());
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].masked, "s***a");
  EXPECT_EQ(r.matches[1].masked, "s***a");
  EXPECT_EQ(r.matches[0].begin, 2u);
  EXPECT_EQ(r.matches[0].label, "REDACTED");
}

TEST(RegexMatch, InputNamesFailingMessage) {
  auto g = Build("regex_match", R"({"rule":"drop table","not":true})");
  GuardrailResult r = CheckMessages(
      *g, {{"system", "be nice"}, {"user", "hi"}, {"user", "drop table x"}});
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.failed_messages, std::vector<size_t>{2});
  EXPECT_NE(r.explanation.find("message 2 (user)"), std::string::npos)
      << r.explanation;
}

TEST(RegexMatch, Redact) {
  auto g = Build("regex_match", R"({"rule":"TKT-\\d+","not":true,
                                   "redact_label":"TICKET"})",
                 "redact");
  pii::Redactor redactor;
  GuardrailInput input = GuardrailInput::Output("TKT-1, TKT-2 and TKT-1 again");
  input.redactor = &redactor;
  GuardrailResult r = g->Check(input);
  ASSERT_EQ(r.redacted.size(), 1u);
  EXPECT_EQ(r.redacted[0].text, "[TICKET_1], [TICKET_2] and [TICKET_1] again");
}

TEST(RegexMatch, PartialOutput) {
  auto g = Build("regex_match", R"({"rule":"\\bforbidden\\b","not":true})");
  // At the very end the word may continue ("forbiddenness").
  EXPECT_TRUE(CheckOutput(*g, "this is forbidden", true).passed());
  EXPECT_FALSE(CheckOutput(*g, "this is forbidden", true).final);
  GuardrailResult r = CheckOutput(*g, "this is forbidden.", true);
  EXPECT_FALSE(r.passed());
  EXPECT_TRUE(r.final);
}

}  // namespace
}  // namespace across::guardrails::testing
