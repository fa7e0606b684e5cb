// GeminiProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: paths, auth header, unary and SSE exchanges, error mapping and
// key redaction.
#include "providers/gemini/gemini_provider.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/providers/common/test_upstream.h"
#include "tests/providers/gemini/fixture_util.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* kKey = "AIzaSyTest-0123456789abcdef";

using testing::Answer;
using testing::Pieces;
using testing::RecordingSink;
using testing::Sse;

// Gemini answers JSON with an explicit charset.
std::string Response(int status, std::string body,
                     std::string extra_headers = "") {
  return testing::Response(status, std::move(body), std::move(extra_headers),
                           "application/json; charset=UTF-8");
}

class GeminiProviderTest : public testing::UpstreamTest {
 protected:
  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("gem");
    cfg.set_type("gemini");
    cfg.set_base_url(server_ ? server_->Origin() + "/v1beta"
                             : "http://127.0.0.1:1/v1beta");
    cfg.set_auth_header("x-goog-api-key");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return cfg;
  }

  static v1::ChatRequest ChatReq() {
    v1::ChatRequest r;
    r.set_model("alias");
    auto* m = r.add_messages();
    m->set_role(v1::ROLE_USER);
    m->set_content("hi");
    return r;
  }

  UpstreamCall call_{ctx_, "gemini-upstream", ""};
};

std::string FixtureBody(std::string_view name) {
  return json::serialize(gemini::testing::LoadJson(name).at("gemini_response"));
}

TEST_F(GeminiProviderTest, ChatSendsRequestAndParsesAnswer) {
  Serve(Answer(Response(200, FixtureBody("plain_chat.response.json"))));
  auto cfg = Config();
  (*cfg.mutable_headers())["x-extra"] = "1";
  GeminiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider(), "gem");
  EXPECT_EQ(r->id(), "mBFqaPuLIJeTxN8P8oKJqQw");
  EXPECT_EQ(r->model(), "gemini-2.0-flash");
  EXPECT_GT(r->created(), 0);
  EXPECT_EQ(r->choices(0).message().content(),
            "AI learns patterns from data to make predictions.");
  EXPECT_EQ(r->usage().total_tokens(), 17);

  ASSERT_EQ(server_->requests.size(), 1u);
  const auto& sent = server_->requests[0];
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(), "/v1beta/models/gemini-upstream:generateContent");
  EXPECT_EQ(Header(0, "x-goog-api-key"), kKey);
  EXPECT_EQ(Header(0, "authorization"), "");
  EXPECT_EQ(Header(0, "content-type"), "application/json");
  EXPECT_EQ(Header(0, "x-extra"), "1");
  auto body = json::parse(sent.body());
  EXPECT_EQ(body, json::parse(R"({"contents":[{"role":"user",
                                  "parts":[{"text":"hi"}]}]})"));
}

TEST_F(GeminiProviderTest, BearerModeAndCallerKey) {
  Serve(Answer(Response(200, FixtureBody("plain_chat.response.json"))));
  auto cfg = Config();
  cfg.set_auth_header("authorization");
  GeminiProvider oauth(cfg, "ya29.oauth-token-abcdef");
  auto req = ChatReq();
  auto r =
      Run<Result<v1::ChatResponse>>([&] { return oauth.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "authorization"), "Bearer ya29.oauth-token-abcdef");
  EXPECT_EQ(Header(0, "x-goog-api-key"), "");

  // No key configured: the caller's bearer credential is the key.
  GeminiProvider keyless(Config(), "");
  ctx_.headers.authorization = "Bearer AIzaCallerKey-123456";
  r = Run<Result<v1::ChatResponse>>([&] { return keyless.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(1, "x-goog-api-key"), "AIzaCallerKey-123456");
}

TEST_F(GeminiProviderTest, UpstreamErrorEchoingTheKeyIsRedacted) {
  // The upstream quotes the key back, and a URL carrying it.
  const std::string body =
      std::string(R"({"error":{"code":400,"message":"API key not valid: )") +
      kKey + " (see https://x/v1beta/models/m:generateContent?key=" + kKey +
      R"x()","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})x";
  Serve(Answer(Response(400, body)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(r.error().type, "authentication_error");
  EXPECT_EQ(r.error().message.find(kKey), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("[REDACTED]"), std::string::npos);
  EXPECT_EQ(r.error().message.rfind("gem: API key not valid", 0), 0u)
      << r.error().message;
}

TEST_F(GeminiProviderTest, RateLimitRetryHints) {
  const std::string body =
      R"({"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}})";
  Serve(Answer(Response(429, body)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 37000);

  // A Retry-After header wins over the body.
  Serve(Answer(Response(429, body, "Retry-After: 2\r\n")));
  GeminiProvider p2(Config(), kKey);
  r = Run<Result<v1::ChatResponse>>([&] { return p2.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 2000);
}

TEST_F(GeminiProviderTest, StreamTranslatesSseSplitAcrossReads) {
  const std::string transcript =
      gemini::testing::LoadText("parallel_tool_calls.sse");
  Serve(Sse(Pieces(transcript, 37)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  RecordingSink sink;
  auto s = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/v1beta/models/gemini-upstream:streamGenerateContent?alt=sse");
  EXPECT_EQ(Header(0, "accept"), "text/event-stream");
  ASSERT_EQ(sink.chunks.size(), 4u);
  EXPECT_EQ(sink.chunks[0].choices(0).delta().content(),
            "Checking both cities.");
  EXPECT_EQ(sink.chunks[2].choices(0).delta().tool_calls_size(), 2);
  EXPECT_EQ(sink.chunks[2].choices(0).finish_reason(),
            v1::FINISH_REASON_TOOL_CALLS);
  EXPECT_EQ(sink.chunks[3].choices_size(), 0);
  EXPECT_EQ(sink.chunks[3].usage().total_tokens(), 95);
  for (const auto& c : sink.chunks) EXPECT_EQ(c.provider(), "gem");
  EXPECT_TRUE(ctx_.first_token.has_value());
}

TEST_F(GeminiProviderTest, StreamMidStreamErrorKeepsItsStatus) {
  Serve(Sse(Pieces(gemini::testing::LoadText("mid_stream_error.sse"), 64)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  RecordingSink sink;
  auto s = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_EQ(s.error().message,
            "gem: The model is overloaded. Please try again later.");
  ASSERT_EQ(sink.chunks.size(), 1u);
  EXPECT_EQ(sink.chunks[0].choices(0).delta().content(), "Partial");
}

TEST_F(GeminiProviderTest, StreamCutBeforeFinishIsTruncated) {
  const std::string transcript = gemini::testing::LoadText("max_tokens.sse");
  const std::string head = transcript.substr(0, transcript.rfind("data: "));
  for (bool cut : {true, false}) {
    SCOPED_TRACE(cut ? "connection closed" : "message ended");
    Serve(Sse({head}, cut));
    GeminiProvider p(Config(), kKey);
    auto req = ChatReq();
    RecordingSink sink;
    auto s = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().http_status, 502);
    EXPECT_NE(s.error().message.find("truncated"), std::string::npos)
        << s.error().message;
    EXPECT_EQ(sink.chunks.size(), 2u);
  }
}

TEST_F(GeminiProviderTest, StreamErrorStatusBeforeBody) {
  Serve(Answer(Response(
      503,
      R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})")));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  RecordingSink sink;
  auto s = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_EQ(s.error().message, "gem: The model is overloaded.");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(GeminiProviderTest, EmbedBatchAndSingle) {
  Serve(Answer(Response(200, FixtureBody("embed_batch.response.json"))));
  GeminiProvider p(Config(), kKey);
  v1::EmbedRequest req;
  req.set_model("alias");
  req.add_input("a");
  req.add_input("b");
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/v1beta/models/gemini-upstream:batchEmbedContents");
  ASSERT_EQ(r->data_size(), 2);
  EXPECT_FLOAT_EQ(r->data(1).embedding(0), -0.75f);
  EXPECT_EQ(r->provider(), "gem");
  EXPECT_EQ(r->model(), "gemini-upstream");

  Serve(Answer(Response(200, FixtureBody("embed_single.response.json"))));
  GeminiProvider p2(Config(), kKey);
  req.clear_input();
  req.add_input("a");
  r = Run<Result<v1::EmbedResponse>>([&] { return p2.Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/v1beta/models/gemini-upstream:embedContent");
  EXPECT_EQ(r->data_size(), 1);
}

TEST_F(GeminiProviderTest, InvalidRequestNamesTheProvider) {
  GeminiProvider p(Config(), kKey);
  v1::ChatRequest req;
  req.set_model("m");
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().message.rfind("gem: ", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace across
