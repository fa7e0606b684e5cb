#include "guardrails/pipeline.h"

#include <gtest/gtest.h>

#include "guardrails/async.h"
#include "guardrails/pii/redactor.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

GuardrailList List(std::string_view json) {
  auto list = BuildGuardrailsFromJson(json);
  EXPECT_TRUE(list.ok()) << list.error().ToString();
  return list.ok() ? *list : GuardrailList{};
}

GuardrailInput Conversation(pii::Redactor* redactor) {
  GuardrailInput input;
  input.texts = {{0, "system", "You are a support bot."},
                 {1, "user", "Email me at ann@example.com about order 77."}};
  input.redactor = redactor;
  return input;
}

StageOutcome RunAll(const GuardrailList& list, GuardrailInput input) {
  StageRun run(list, std::move(input));
  EXPECT_EQ(run.RunSync(), nullptr);
  return run.Finish();
}

TEST(Pipeline, AllPass) {
  auto list = List(R"([{"id":"a","type":"word_count","params":{"max":50}}])");
  StageOutcome out = RunAll(list, Conversation(nullptr));
  EXPECT_FALSE(out.denied);
  EXPECT_FALSE(out.flagged);
  EXPECT_TRUE(out.redacted.empty());
  ASSERT_EQ(out.results.size(), 1u);
}

TEST(Pipeline, RedactThenLaterChecksSeeRedactedText) {
  pii::Redactor redactor;
  auto list = List(R"([
    {"id":"pii","type":"pii","action":"redact"},
    {"id":"no-email","type":"regex_match","params":{"rule":"@","not":true}}
  ])");
  StageOutcome out = RunAll(list, Conversation(&redactor));
  EXPECT_FALSE(out.denied) << out.results[1].explanation;
  ASSERT_EQ(out.redacted.size(), 1u);
  EXPECT_EQ(out.redacted.at(1), "Email me at [EMAIL_1] about order 77.");
  EXPECT_FALSE(out.results[0].passed());
  EXPECT_TRUE(out.results[1].passed());
}

TEST(Pipeline, DenyStopsTheRun) {
  auto list = List(R"([
    {"id":"flagger","type":"contains","params":{"words":["order"]},
     "action":"flag","params":{"words":["order"],"not":true}},
    {"id":"denier","type":"pii"},
    {"id":"never","type":"uppercase"}
  ])");
  StageOutcome out = RunAll(list, Conversation(nullptr));
  EXPECT_TRUE(out.denied);
  EXPECT_TRUE(out.flagged);
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_EQ(out.denied_by, 1u);
  EXPECT_EQ(out.results[*out.denied_by].id, "denier");
  EXPECT_EQ(out.results[1].failed_messages, std::vector<size_t>{1});
  boost::json::array json = out.ResultsJson();
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[1].at("verdict"), false);
  EXPECT_EQ(json[1].at("matches").at(0).at("masked"), "a***@e***.com");
}

TEST(Pipeline, AsyncGuardrailsAreHandedToTheCaller) {
  auto list = List(R"([
    {"id":"w","type":"webhook","params":{"url":"http://g.local/x"}},
    {"id":"u","type":"uppercase","action":"flag"}
  ])");
  StageRun run(list, Conversation(nullptr));
  const Guardrail* g = run.RunSync();
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->id(), "w");
  HttpCall call = g->async()->MakeCall(run.input());
  EXPECT_NE(call.body.find("ann@example.com"), std::string::npos);
  run.Record(g->async()->Complete({"", 200, R"({"verdict":true})"},
                                  std::chrono::milliseconds(3)));
  EXPECT_EQ(run.RunSync(), nullptr);
  StageOutcome out = run.Finish();
  EXPECT_FALSE(out.denied);
  EXPECT_TRUE(out.flagged);  // uppercase failed, action flag
  EXPECT_EQ(out.results[0].duration, std::chrono::milliseconds(3));
}

TEST(Pipeline, PartialResultsNeverDeny) {
  auto list = List(R"([{"id":"j","type":"json_schema","params":{"schema":
                        {"type":"object"}}}])");
  GuardrailInput partial = GuardrailInput::Output("{\"a\":", true);
  StageOutcome out = RunAll(list, partial);
  EXPECT_FALSE(out.denied);
  EXPECT_FALSE(out.results[0].final);
  StageOutcome done = RunAll(list, GuardrailInput::Output("{\"a\":"));
  EXPECT_TRUE(done.denied);
}

}  // namespace
}  // namespace across::guardrails::testing
