// The pii guardrail: detection, masking, redaction across messages with one
// request-wide Redactor, kinds selection, streaming.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <thread>

#include "guardrails/pii/redactor.h"
#include "guardrails/pii/stream_redactor.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(PiiCheck, Table) {
  RunTable("pii",
           {
               {"clean", "{}", "Nothing personal here, just 42 apples.", true},
               {"email", "{}", "write to jo@example.com", false},
               {"card", "{}", "4111 1111 1111 1111", false},
               {"invalid card passes", "{}", "4111 1111 1111 1112", true},
               {"kinds subset ignores others", R"({"kinds":["email"]})",
                "4111 1111 1111 1111", true},
               {"secrets group", R"({"kinds":["secrets"]})",
                "AKIAIOSFODNN7EXAMPLE", false},
               {"not", R"({"not":true})", "clean text", false},
               {"empty", "{}", "", true},
               {"unicode", "{}", "Écrivez à zoë@exemple.fr ✉", false},
               {"very long clean", "{}", LongProse(1 << 20), true},
               {"very long with one", "{}", LongProse(1 << 20) + " 078-05-1120",
                false},
           });
  ExpectLoadError("pii", R"({"kinds":["email","passport"]})", "params.kinds");
  ExpectLoadError("pii", R"({"kinds":[]})", "params.kinds");
  ExpectLoadError("pii", R"({"types":["email"]})", "params.types");
  EXPECT_EQ(BuildError("pii", R"({"not":true})", "redact").field, "action");
}

TEST(PiiCheck, MatchesAreMaskedAndTyped) {
  auto g = Build("pii", "{}");
  GuardrailResult r =
      CheckOutput(*g,
                  "Mail john.doe@example.com or call +44 20 7946 0958, card "
                  "4111-1111-1111-1111.");
  ASSERT_EQ(r.matches.size(), 3u);
  EXPECT_EQ(r.matches[0].label, "EMAIL");
  EXPECT_EQ(r.matches[0].masked, "j***@e***.com");
  EXPECT_EQ(r.matches[1].label, "PHONE");
  EXPECT_EQ(r.matches[1].masked, "+***8");
  EXPECT_EQ(r.matches[2].label, "CREDIT_CARD");
  EXPECT_EQ(r.matches[2].masked, "4***1");
  EXPECT_NE(r.explanation.find("found 3 PII items (CREDIT_CARD, EMAIL, PHONE)"),
            std::string::npos)
      << r.explanation;
  // Nothing in the JSON form carries the raw values.
  const std::string json = boost::json::serialize(r.ToJson());
  EXPECT_EQ(json.find("john.doe"), std::string::npos);
  EXPECT_EQ(json.find("7946"), std::string::npos);
}

TEST(PiiCheck, RedactsConsistentlyAcrossMessagesAndStages) {
  auto g = Build("pii", "{}", "redact");
  pii::Redactor redactor;  // one per request
  GuardrailInput input;
  input.texts = {{0, "system", "Support agent for acme."},
                 {1, "user", "I'm ann@example.com, card 4111111111111111."},
                 {2, "assistant", "Thanks ann@example.com."},
                 {3, "user", "Also bob@example.com please."}};
  input.redactor = &redactor;
  GuardrailResult r = g->Check(input);
  EXPECT_FALSE(r.passed());
  EXPECT_EQ(r.failed_messages, (std::vector<size_t>{1, 2, 3}));
  ASSERT_EQ(r.redacted.size(), 3u);
  EXPECT_EQ(r.redacted[0].message_index, 1u);
  EXPECT_EQ(r.redacted[0].text, "I'm [EMAIL_1], card [CREDIT_CARD_1].");
  EXPECT_EQ(r.redacted[1].text, "Thanks [EMAIL_1].");
  EXPECT_EQ(r.redacted[2].text, "Also [EMAIL_2] please.");

  // The output stage reuses the request's numbering.
  GuardrailInput output = GuardrailInput::Output("Sent to bob@example.com.");
  output.redactor = &redactor;
  EXPECT_EQ(g->Check(output).redacted.at(0).text, "Sent to [EMAIL_2].");

  auto stream = g->NewStreamRedactor(redactor);
  ASSERT_NE(stream, nullptr);
  std::string streamed = stream->Feed("Card 4111 1111 1111 1111 and ann@exa");
  streamed += stream->Feed("mple.com.");
  streamed += stream->Flush();
  EXPECT_EQ(streamed, "Card [CREDIT_CARD_1] and [EMAIL_1].");
}

TEST(PiiCheck, NoStreamRedactorUnlessRedacting) {
  pii::Redactor redactor;
  EXPECT_EQ(Build("pii", "{}")->NewStreamRedactor(redactor), nullptr);
  EXPECT_EQ(Build("regex_match", R"({"rule":"x","not":true})", "redact")
                ->NewStreamRedactor(redactor),
            nullptr);
}

TEST(PiiCheck, PartialOutput) {
  auto g = Build("pii", "{}");
  // The number may still grow into something that is not a card.
  GuardrailResult early = CheckOutput(*g, "card 4111 1111 1111 1111", true);
  EXPECT_TRUE(early.passed());
  EXPECT_FALSE(early.final);
  GuardrailResult settled =
      CheckOutput(*g, "card 4111 1111 1111 1111, ok", true);
  EXPECT_FALSE(settled.passed());
  EXPECT_TRUE(settled.final);
}

TEST(PiiCheck, SharedAcrossThreads) {
  // Guardrails are built once and shared by all workers.
  auto list = BuildGuardrailsFromJson(R"([
    {"id":"pii","type":"pii","action":"redact"},
    {"id":"inj","type":"prompt_injection"},
    {"id":"words","type":"contains","params":{"words":["café"]}}])");
  ASSERT_TRUE(list.ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        pii::Redactor redactor;
        // The input holds views: the text must outlive the checks.
        const std::string text = "Mail user" + std::to_string(t) +
                                 "@example.com, café, card 4111111111111111 "
                                 "and 10.0.0." +
                                 std::to_string(i % 250);
        GuardrailInput input = GuardrailInput::Output(text);
        input.redactor = &redactor;
        for (const auto& g : *list) {
          GuardrailResult r = g->Check(input);
          if (g->id() == "pii" &&
              (r.passed() || r.redacted.empty() ||
               r.redacted[0].text !=
                   "Mail [EMAIL_1], café, card [CREDIT_CARD_1] and [IPV4_1]")) {
            ++failures;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace across::guardrails::testing
