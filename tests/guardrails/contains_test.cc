#include <gtest/gtest.h>

#include "guardrails/pii/redactor.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(Contains, Table) {
  const std::string long_text = LongProse(1 << 20) + " refund";
  RunTable(
      "contains",
      {
          {"any: one present", R"({"words":["refund","chargeback"]})",
           "I want a refund", true},
          {"any: none present", R"({"words":["refund","chargeback"]})",
           "I want a pony", false},
          {"all: all present",
           R"({"words":["refund","order"],"operator":"all"})",
           "refund my order", true},
          {"all: one missing",
           R"({"words":["refund","order"],"operator":"all"})", "refund me",
           false},
          {"none: absent", R"({"words":["darn"],"operator":"none"})",
           "all good", true},
          {"none: present", R"({"words":["darn"],"operator":"none"})",
           "oh darn", false},
          {"not inverts any", R"({"words":["darn"],"not":true})", "oh darn",
           false},
          {"not inverts none", R"({"words":["darn"],"operator":"none",
                                  "not":true})",
           "oh darn", true},
          {"case-insensitive default", R"({"words":["Refund"]})", "REFUND NOW",
           true},
          {"case_sensitive", R"({"words":["Refund"],"case_sensitive":true})",
           "REFUND NOW", false},
          {"word boundary", R"({"words":["cat"]})", "category", false},
          {"word boundary off", R"({"words":["cat"],"word_boundary":false})",
           "category", true},
          {"phrase", R"({"words":["new york"]})", "I love New York!", true},
          {"shorter word inside longer phrase",
           R"({"words":["new york","new"]})", "the new yorker", true},
          {"punctuation word", R"({"words":["c++"]})", "I write C++ daily",
           true},
          {"unicode word", R"({"words":["café"]})", "un CAFÉ, s'il vous plaît",
           true},
          {"unicode boundary", R"({"words":["naï"]})", "naïve", false},
          {"cjk", R"({"words":["東京"]})", "私は東京に住んでいます", true},
          {"empty text", R"({"words":["x"]})", "", false},
          {"empty text, none", R"({"words":["x"],"operator":"none"})", "",
           true},
          {"very long input", R"({"words":["refund"]})", long_text, true},
          {"regex chars are literal", R"({"words":["a.c"]})", "abc", false},
      });
}

TEST(Contains, BadParams) {
  ExpectLoadError("contains", R"({})", "params.words");
  ExpectLoadError("contains", R"({"words":[]})", "params.words");
  ExpectLoadError("contains", R"({"words":"refund"})", "params.words");
  ExpectLoadError("contains", R"({"words":["a",""]})", "params.words[1]");
  ExpectLoadError("contains", R"({"words":["a"],"operator":"some"})",
                  "params.operator");
  ExpectLoadError("contains", R"({"words":["a"],"casesensitive":true})",
                  "params.casesensitive");
  EXPECT_EQ(BuildError("contains", R"({"words":["a"]})", "redact").field,
            "action");
}

TEST(Contains, RedactBannedWords) {
  auto g = Build("contains", R"({"words":["darn","heck"],"operator":"none",
                                "redact_label":"PROFANITY"})",
                 "redact");
  ASSERT_NE(g, nullptr);
  GuardrailResult r = CheckOutput(*g, "Darn it, heck, DARN.");
  EXPECT_FALSE(r.passed());
  ASSERT_EQ(r.redacted.size(), 1u);
  EXPECT_EQ(r.redacted[0].text,
            "[PROFANITY_1] it, [PROFANITY_2], [PROFANITY_3].");
  EXPECT_EQ(r.matches.size(), 3u);
  EXPECT_EQ(r.matches[0].masked, "D***n");
}

TEST(Contains, PartialStream) {
  auto g = Build("contains", R"({"words":["secret"],"operator":"none"})");
  EXPECT_FALSE(CheckOutput(*g, "the secret", true).final);
  EXPECT_TRUE(CheckOutput(*g, "the secret", true).passed());
  GuardrailResult r = CheckOutput(*g, "the secret is", true);
  EXPECT_FALSE(r.passed());
  EXPECT_TRUE(r.final);
}

}  // namespace
}  // namespace across::guardrails::testing
