#include "guardrails/factory.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(Factory, BuildsAList) {
  auto list = BuildGuardrailsFromJson(R"([
    {"id": "no-ssn", "type": "regex_match",
     "params": {"rule": "\\d{3}-\\d{2}-\\d{4}", "not": true}, "action": "deny"},
    {"id": "pii", "type": "pii", "action": "redact"},
    {"id": "short", "type": "word_count", "params": {"max": 500},
     "action": "flag"}
  ])");
  ASSERT_TRUE(list.ok()) << list.error().ToString();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0]->id(), "no-ssn");
  EXPECT_EQ((*list)[0]->kind(), "regex_match");
  EXPECT_EQ((*list)[0]->action(), Action::kDeny);
  EXPECT_TRUE((*list)[0]->negated());
  EXPECT_EQ((*list)[1]->action(), Action::kRedact);
  EXPECT_EQ((*list)[2]->action(), Action::kFlag);
}

TEST(Factory, EveryTypeIsBuildable) {
  const std::map<std::string, std::string> minimal = {
      {"character_count", R"({"max":1})"},
      {"contains", R"({"words":["a"]})"},
      {"contains_code", R"({"language":"python"})"},
      {"ends_with", R"({"suffix":"."})"},
      {"json_keys", R"({"keys":["a"]})"},
      {"json_schema", R"({"schema":{}})"},
      {"lowercase", "{}"},
      {"max_tokens_cap", R"({"max":1})"},
      {"model_allowlist", R"({"models":["m"]})"},
      {"pii", "{}"},
      {"prompt_injection", "{}"},
      {"regex_match", R"({"rule":"a"})"},
      {"required_metadata_keys", R"({"keys":["a"]})"},
      {"sentence_count", R"({"max":1})"},
      {"uppercase", "{}"},
      {"webhook", R"({"url":"http://localhost:1/x"})"},
      {"word_count", R"({"max":1})"},
  };
  for (std::string_view type : GuardrailTypes()) {
    SCOPED_TRACE(type);
    ASSERT_TRUE(minimal.contains(std::string(type)));
    auto g = Build(type, minimal.at(std::string(type)));
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->kind(), type);
    // `not` is accepted everywhere; unknown params nowhere.
    Build(type, minimal.at(std::string(type))
                        .substr(0, minimal.at(std::string(type)).size() - 1) +
                    (minimal.at(std::string(type)) == "{}" ? "" : ",") +
                    R"("not":true})");
    ExpectLoadError(
        type,
        minimal.at(std::string(type)) == "{}"
            ? R"({"bogus":1})"
            : minimal.at(std::string(type))
                      .substr(0, minimal.at(std::string(type)).size() - 1) +
                  R"(,"bogus":1})",
        "params.bogus");
  }
}

TEST(Factory, SpecErrors) {
  struct Case {
    std::string json;
    std::string id;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"type":"pii"})", "#0", "id"},
      {R"({"id":"","type":"pii"})", "#0", "id"},
      {R"({"id":"a"})", "a", "type"},
      {R"({"id":"a","type":"pii","action":"block"})", "a", "action"},
      {R"({"id":"a","type":"pii","params":[]})", "a", "params"},
      {R"({"id":"a","type":"pii","deny":true})", "a", "deny"},
      {R"({"id":"a","type":"regexMatch"})", "a", "type"},
      {R"("pii")", "#0", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.json);
    auto list = BuildGuardrailsFromJson("[" + c.json + "]");
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.error().guardrail_id, c.id);
    EXPECT_EQ(list.error().field, c.field) << list.error().ToString();
  }
}

TEST(Factory, ListErrors) {
  auto dup = BuildGuardrailsFromJson(
      R"([{"id":"x","type":"uppercase"},{"id":"x","type":"lowercase"}])");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().field, "id");
  EXPECT_FALSE(BuildGuardrailsFromJson("{}").ok());
  EXPECT_FALSE(BuildGuardrailsFromJson("[").ok());
  // The error names the bad entry, not the first one.
  auto second = BuildGuardrailsFromJson(
      R"([{"id":"ok","type":"uppercase"},
          {"id":"broken","type":"regex_match","params":{"rule":"[z-a]"}}])");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().ToString().rfind(
                "guardrail \"broken\": params.rule: invalid regex", 0),
            0u)
      << second.error().ToString();
  EXPECT_TRUE(BuildGuardrailsFromJson("[]").ok());
}

TEST(Factory, RedactRequiresRedactableCheck) {
  for (const auto& [type, params] :
       std::vector<std::pair<std::string, std::string>>{
           {"word_count", R"({"max":1})"},
           {"model_allowlist", R"({"models":["m"]})"},
           {"contains", R"({"words":["a"],"operator":"all"})"},
           {"json_schema", R"({"schema":{}})"}}) {
    SCOPED_TRACE(type);
    EXPECT_EQ(BuildError(type, params, "redact").field, "action");
  }
  EXPECT_NE(Build("contains", R"({"words":["a"],"operator":"none"})", "redact"),
            nullptr);
  EXPECT_NE(Build("contains", R"({"words":["a"],"not":true})", "redact"),
            nullptr);
}

}  // namespace
}  // namespace across::guardrails::testing
