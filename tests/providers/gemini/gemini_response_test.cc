// Gemini responses, usage and error bodies → gateway answers, asserted
// against the golden fixtures. Answers are compared in the form clients see
// them: serialized by the OpenAI front end's codec.
#include "providers/gemini/gemini_response.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "providers/gemini/gemini_error.h"
#include "providers/openai/openai_wire.h"
#include "tests/providers/gemini/fixture_util.h"

namespace across::gemini {
namespace {

namespace json = boost::json;
using testing::Describe;
using testing::Diff;
using testing::LoadJson;

const ResponseDefaults kDefaults{"chatcmpl-test", 1700000000, "gemini-test"};

void CheckResponseFixture(std::string_view name) {
  SCOPED_TRACE(std::string(name));
  const json::value fx = LoadJson(name);
  auto resp = ParseChatResponse(json::serialize(fx.at("gemini_response")),
                                kDefaults, "gemini");
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  resp->set_provider("gemini");
  const std::string out = openai::SerializeChatResponse(*resp);
  auto diffs = Diff(fx.at("openai_response"), json::parse(out), false);
  EXPECT_TRUE(diffs.empty()) << Describe(diffs) << "\nanswer: " << out;
}

TEST(GeminiResponse, PlainChat) {
  CheckResponseFixture("plain_chat.response.json");
}

TEST(GeminiResponse, ParallelToolCalls) {
  CheckResponseFixture("tool_call.response.json");
}

TEST(GeminiResponse, MaxTokensStop) {
  CheckResponseFixture("max_tokens.response.json");
}

TEST(GeminiResponse, UsageWithThoughtsAndCache) {
  CheckResponseFixture("usage.response.json");
}

TEST(GeminiResponse, SafetyFinishIsContentFilter) {
  CheckResponseFixture("safety_finish.response.json");
}

TEST(GeminiResponse, BlockedPromptIsContentFilter) {
  CheckResponseFixture("prompt_blocked.response.json");
}

TEST(GeminiResponse, FinishReasonMapping) {
  EXPECT_EQ(MapFinishReason("STOP", false), v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapFinishReason("STOP", true), v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(MapFinishReason("MAX_TOKENS", true), v1::FINISH_REASON_LENGTH);
  for (const char* r : {"SAFETY", "RECITATION", "BLOCKLIST",
                        "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}) {
    EXPECT_EQ(MapFinishReason(r, false), v1::FINISH_REASON_CONTENT_FILTER) << r;
  }
  EXPECT_EQ(MapFinishReason("OTHER", false), v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapFinishReason("MALFORMED_FUNCTION_CALL", false),
            v1::FINISH_REASON_STOP);
  EXPECT_EQ(MapFinishReason("", false), v1::FINISH_REASON_UNSPECIFIED);
}

TEST(GeminiResponse, MalformedBodiesAre502) {
  for (std::string_view body :
       {"not json", "[]", R"({"candidates":[]})", R"({"usageMetadata":{}})"}) {
    auto r = ParseChatResponse(body, kDefaults, "gemini");
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().http_status, 502);
    EXPECT_EQ(r.error().message.rfind("gemini: ", 0), 0u) << r.error().message;
  }
}

void CheckEmbedFixture(std::string_view name) {
  SCOPED_TRACE(std::string(name));
  const json::value fx = LoadJson(name);
  const int inputs = static_cast<int>(fx.at("inputs").as_int64());
  auto resp = ParseEmbedResponse(json::serialize(fx.at("gemini_response")),
                                 inputs, "gemini");
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  const json::array& want = fx.at("expected").as_array();
  ASSERT_EQ(resp->data_size(), static_cast<int>(want.size()));
  for (int i = 0; i < resp->data_size(); ++i) {
    EXPECT_EQ(resp->data(i).index(), i);
    const json::array& vec = want[i].as_array();
    ASSERT_EQ(resp->data(i).embedding_size(), static_cast<int>(vec.size()));
    for (int j = 0; j < resp->data(i).embedding_size(); ++j) {
      EXPECT_FLOAT_EQ(resp->data(i).embedding(j),
                      static_cast<float>(vec[j].to_number<double>()));
    }
  }
  EXPECT_EQ(resp->usage().prompt_tokens(), 0);
  // A count mismatch is the upstream's fault.
  auto wrong = ParseEmbedResponse(json::serialize(fx.at("gemini_response")),
                                  inputs + 1, "gemini");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().http_status, 502);
}

TEST(GeminiEmbed, Single) { CheckEmbedFixture("embed_single.response.json"); }
TEST(GeminiEmbed, Batch) { CheckEmbedFixture("embed_batch.response.json"); }

TEST(GeminiErrors, FixtureBodies) {
  const json::value fx = LoadJson("errors.json");
  for (const auto& c : fx.at("cases").as_array()) {
    const std::string name = json::value_to<std::string>(c.at("name"));
    SCOPED_TRACE(name);
    const int status = static_cast<int>(c.at("http_status").as_int64());
    const std::string body = c.as_object().contains("raw_body")
                                 ? json::value_to<std::string>(c.at("raw_body"))
                                 : json::serialize(c.at("body"));
    Error e = ParseUpstreamError(status, body, "gemini");
    json::object got{{"http_status", e.http_status},
                     {"type", e.type},
                     {"code", e.code},
                     {"message", e.message}};
    if (e.retry_after) got["retry_after_ms"] = e.retry_after->count();
    auto diffs = Diff(c.at("expected"), got, false);
    EXPECT_TRUE(diffs.empty()) << Describe(diffs);
    EXPECT_EQ(e.message.rfind("gemini: ", 0), 0u) << e.message;
  }
}

TEST(GeminiErrors, RedactsKeyAndKeyParameters) {
  std::string m =
      "gemini: API key AIzaSyD-secret-123456 is invalid for "
      "https://generativelanguage.googleapis.com/v1beta/models/"
      "x:generateContent?alt=sse&key=AIzaOtherKey999 (key=value in prose "
      "stays)";
  RedactSecrets(m, "AIzaSyD-secret-123456");
  EXPECT_EQ(m.find("AIzaSyD-secret-123456"), std::string::npos) << m;
  EXPECT_EQ(m.find("AIzaOtherKey999"), std::string::npos) << m;
  EXPECT_NE(m.find("&key=[REDACTED]"), std::string::npos) << m;
  EXPECT_NE(m.find("(key=value"), std::string::npos) << m;
  // Short "secrets" would redact ordinary words.
  std::string s = "gemini: bad";
  RedactSecrets(s, "bad");
  EXPECT_EQ(s, "gemini: bad");
}

}  // namespace
}  // namespace across::gemini
