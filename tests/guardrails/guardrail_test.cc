// Behaviour shared by all checks: roles, message naming, results JSON,
// masking.
#include "guardrails/guardrail.h"

#include <gtest/gtest.h>

#include "guardrails/mask.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(Guardrail, RolesSelectMessages) {
  auto g = Build("word_count", R"({"max":3,"roles":["user"]})");
  GuardrailResult r = CheckMessages(
      *g, {{"system", "a very long system prompt with many words"},
           {"user", "short"}});
  EXPECT_TRUE(r.passed()) << r.explanation;
  auto none = Build("word_count", R"({"max":3,"roles":["tool"]})");
  EXPECT_EQ(CheckMessages(*none, {{"user", "a b c d e"}}).explanation,
            "no text to check");
}

TEST(Guardrail, RolesDoNotHideTheOutput) {
  auto g = Build("word_count", R"({"max":1,"roles":["user"]})");
  EXPECT_FALSE(CheckOutput(*g, "two words").passed());
}

TEST(Guardrail, NamesEveryFailingMessage) {
  auto g = Build("word_count", R"({"max":2})");
  GuardrailResult r = CheckMessages(
      *g, {{"user", "one two three"}, {"assistant", "ok"}, {"user", "a b c"}});
  EXPECT_EQ(r.failed_messages, (std::vector<size_t>{0, 2}));
  EXPECT_EQ(r.explanation,
            "message 0 (user): has 3 words (max 2) (and 1 more)");
}

TEST(Guardrail, NotIsExplained) {
  auto g = Build("word_count", R"({"max":2,"not":true})");
  GuardrailResult r = CheckOutput(*g, "ok");
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.explanation, "output: has 1 word (max 2) [inverted by not]");
}

TEST(Guardrail, ResultJson) {
  auto g = Build("regex_match", R"({"rule":"\\d+","not":true})", "flag");
  GuardrailResult r = CheckMessages(*g, {{"user", "call 5551234"}});
  boost::json::object json = r.ToJson();
  EXPECT_EQ(json.at("id"), "g");
  EXPECT_EQ(json.at("kind"), "regex_match");
  EXPECT_EQ(json.at("action"), "flag");
  EXPECT_EQ(json.at("verdict"), false);
  EXPECT_EQ(json.at("final"), true);
  EXPECT_EQ(json.at("failed_messages").at(0), 0);
  EXPECT_EQ(json.at("matches").at(0).at("masked"), "5***4");
  EXPECT_TRUE(json.at("duration_ms").is_double());
  EXPECT_GT(r.duration.count(), 0);
}

TEST(Guardrail, MatchesAreCapped) {
  auto g = Build("regex_match", R"({"rule":"x","not":true})");
  GuardrailResult r = CheckOutput(*g, std::string(1000, 'x'));
  EXPECT_EQ(r.matches.size(), GuardrailResult::kMaxMatches);
}

TEST(Mask, Values) {
  EXPECT_EQ(MaskEmail("john.doe@example.com"), "j***@e***.com");
  EXPECT_EQ(MaskEmail("zoë@exemple.fr"), "z***@e***.fr");
  EXPECT_EQ(MaskValue("4111111111111111"), "4***1");
  EXPECT_EQ(MaskValue("abc"), "***");
  EXPECT_EQ(MaskValue("日本語です"), "日***す");
  EXPECT_EQ(MaskFor("EMAIL", "a@b.co"), "a***@b***.co");
}

}  // namespace
}  // namespace across::guardrails::testing
