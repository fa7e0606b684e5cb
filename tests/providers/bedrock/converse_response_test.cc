// Converse responses and error bodies → ChatResponse / Error, against golden
// fixtures written from the Converse API reference.
#include "providers/bedrock/converse_response.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "providers/bedrock/bedrock_errors.h"
#include "tests/providers/bedrock/fixture_util.h"

namespace across::bedrock {
namespace {

namespace json = boost::json;

using testing::ExpectProtoEq;
using testing::Fixture;
using testing::FromJson;

void CheckFixture(const std::string& name) {
  SCOPED_TRACE(name);
  const json::value f = Fixture(name);
  auto resp = ParseConverseResponse(json::serialize(f.at("converse_response")));
  ASSERT_TRUE(resp.ok()) << resp.error().message;
  ExpectProtoEq(*resp, FromJson<v1::ChatResponse>(f.at("chat_response")));
}

TEST(ConverseResponse, PlainChat) { CheckFixture("response_plain.json"); }
TEST(ConverseResponse, ParallelToolUse) {
  CheckFixture("response_tool_use.json");
}
TEST(ConverseResponse, MaxTokensReasoningAndCacheUsage) {
  CheckFixture("response_max_tokens_usage.json");
}
TEST(ConverseResponse, ContentFiltered) {
  CheckFixture("response_content_filtered.json");
}

TEST(ConverseResponse, StopReasons) {
  EXPECT_EQ(FinishReasonFromStopReason("end_turn"), v1::FINISH_REASON_STOP);
  EXPECT_EQ(FinishReasonFromStopReason("stop_sequence"),
            v1::FINISH_REASON_STOP);
  EXPECT_EQ(FinishReasonFromStopReason("max_tokens"), v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(FinishReasonFromStopReason("model_context_window_exceeded"),
            v1::FINISH_REASON_LENGTH);
  EXPECT_EQ(FinishReasonFromStopReason("tool_use"),
            v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(FinishReasonFromStopReason("guardrail_intervened"),
            v1::FINISH_REASON_CONTENT_FILTER);
  EXPECT_EQ(FinishReasonFromStopReason("content_filtered"),
            v1::FINISH_REASON_CONTENT_FILTER);
}

TEST(ConverseResponse, Malformed) {
  auto r = ParseConverseResponse("<html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_FALSE(ParseConverseResponse(R"({"output":{}})").ok());
}

TEST(BedrockErrors, Fixture) {
  const json::value f = Fixture("errors.json");
  for (const auto& c : f.at("cases").as_array()) {
    const std::string body = json::serialize(c.at("body"));
    SCOPED_TRACE(body);
    Error e =
        ParseBedrockError(static_cast<int>(c.at("status").as_int64()), body,
                          std::string(c.at("error_type").as_string()));
    const auto& want = c.at("want");
    EXPECT_EQ(e.http_status, want.at("http_status").as_int64());
    EXPECT_EQ(e.type, std::string(want.at("type").as_string()));
    EXPECT_EQ(e.code, std::string(want.at("code").as_string()));
    EXPECT_EQ(e.message, std::string(want.at("message").as_string()));
  }
}

TEST(BedrockErrors, NonJsonBodyAndStreamExceptions) {
  Error e = ParseBedrockError(502, "<html>Bad Gateway</html>\n", "");
  EXPECT_EQ(e.http_status, 502);
  EXPECT_EQ(e.message, "<html>Bad Gateway</html>");
  e = ParseBedrockError(500, "", "");
  EXPECT_EQ(e.message, "upstream returned HTTP 500");

  e = StreamException("modelStreamErrorException",
                      R"({"message":"boom","originalStatusCode":500})");
  EXPECT_EQ(e.http_status, 502);
  EXPECT_EQ(e.message, "boom");
  e = StreamException("validationException", R"({"message":"bad"})");
  EXPECT_EQ(e.http_status, 400);
  e = StreamException("serviceUnavailableException", "{}");
  EXPECT_EQ(e.http_status, 503);
  EXPECT_EQ(e.message, "serviceUnavailableException");
  e = StreamException("internalServerException", R"({"message":"x"})");
  EXPECT_EQ(e.http_status, 500);
}

}  // namespace
}  // namespace across::bedrock
