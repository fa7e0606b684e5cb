// AnthropicProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: path, auth and version headers, the body sent (checked against
// the golden fixtures), error mapping with Retry-After and key redaction,
// and SSE streams split across network reads.
#include "providers/anthropic/anthropic_provider.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "providers/openai/openai_wire.h"
#include "tests/providers/anthropic/golden.h"
#include "tests/providers/common/test_upstream.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using anthropic::testing::JsonEq;
using anthropic::testing::LoadJson;
using anthropic::testing::ReadFixture;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
namespace json = boost::json;

constexpr const char* kKey = "sk-ant-test-0123456789abcdef";

using testing::Answer;
using testing::Handler;
using testing::RecordingSink;
using testing::Response;

// Sends `sse` as a chunked event stream in pieces of `piece` bytes with a
// short pause between them, so events straddle reads; `cut` closes the
// connection instead of ending the body.
Handler Sse(std::string_view sse, size_t piece, bool cut = false) {
  return testing::Sse(testing::Pieces(sse, piece), cut, 1ms);
}

class AnthropicProviderTest : public testing::UpstreamTest {
 protected:
  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("anthropic");
    cfg.set_type("anthropic");
    cfg.set_base_url(server_ ? server_->Origin() + "/v1"
                             : "http://127.0.0.1:1/v1");
    cfg.set_auth_header("x-api-key");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return cfg;
  }

  // A fixture's client request, parsed as the HTTP front end does.
  static v1::ChatRequest FixtureRequest(const json::value& fx) {
    auto parsed =
        openai::ParseChatRequest(json::serialize(fx.at("chat_request")));
    EXPECT_TRUE(parsed.ok());
    return parsed->request;
  }

  UpstreamCall call_{ctx_, "claude-sonnet-4-5", ""};
};

TEST_F(AnthropicProviderTest, ChatSendsFixtureRequestAndParsesAnswer) {
  const json::value fx = LoadJson("tool_round_trip.json").at("steps").at(1);
  Serve(Answer(Response(200, json::serialize(fx.at("upstream_response")))));
  auto cfg = Config();
  (*cfg.mutable_headers())["anthropic-beta"] = "prompt-caching-2024-07-31";
  AnthropicProvider p(cfg, kKey);
  const v1::ChatRequest req = FixtureRequest(fx);
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider(), "anthropic");
  EXPECT_GT(r->created(), 1600000000);
  EXPECT_EQ(r->model(), "claude-sonnet-4-5-20250929");
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);

  ASSERT_EQ(server_->requests.size(), 1u);
  const auto& sent = server_->requests[0];
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(), "/v1/messages");
  EXPECT_EQ(Header(0, "x-api-key"), kKey);
  EXPECT_EQ(Header(0, "authorization"), "");
  EXPECT_EQ(Header(0, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(Header(0, "anthropic-beta"), "prompt-caching-2024-07-31");
  EXPECT_EQ(Header(0, "content-type"), "application/json");
  EXPECT_EQ(Header(0, "accept"), "application/json");
  EXPECT_TRUE(JsonEq(fx.at("upstream_request"), json::parse(sent.body())));
}

TEST_F(AnthropicProviderTest, VersionBearerAndCallerKey) {
  const json::value fx = LoadJson("plain_chat.json");
  const std::string answer = json::serialize(fx.at("upstream_response"));
  Serve(Answer(Response(200, answer)));
  auto cfg = Config();
  cfg.set_api_version("2024-01-01");
  cfg.set_auth_header("authorization");  // an Anthropic-compatible proxy
  AnthropicProvider bearer(cfg, kKey);
  const v1::ChatRequest req = FixtureRequest(fx);
  auto r =
      Run<Result<v1::ChatResponse>>([&] { return bearer.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(Header(0, "x-api-key"), "");
  EXPECT_EQ(Header(0, "anthropic-version"), "2024-01-01");

  // No key configured: the caller's bearer token goes out as x-api-key.
  Serve(Answer(Response(200, answer)));
  AnthropicProvider keyless(Config(), "");
  ctx_.headers.authorization = "Bearer sk-ant-caller-987654321";
  r = Run<Result<v1::ChatResponse>>([&] { return keyless.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "x-api-key"), "sk-ant-caller-987654321");
}

TEST_F(AnthropicProviderTest, OverloadedBecomes503WithRetryHintAndNoKey) {
  const std::string body =
      std::string(R"({"type":"error","error":{"type":"overloaded_error",)") +
      R"("message":"Overloaded (key )" + kKey + ")\"}}";
  Serve(Answer(Response(529, body, "retry-after: 2\r\n")));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().code, "overloaded_error");
  EXPECT_EQ(r.error().message, "anthropic: Overloaded (key [REDACTED])");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 2000);
}

TEST_F(AnthropicProviderTest, BadRequestIsLocal) {
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req;
  req.set_model("claude");
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().message.rfind("anthropic: ", 0), 0u) << r.error().message;
}

TEST_F(AnthropicProviderTest, StreamsParallelToolCalls) {
  const json::value streams = LoadJson("streams.json");
  const json::value& c = streams.at("cases").at(1);
  ASSERT_EQ(c.at("sse"), "parallel_tools_stream.sse");
  Serve(Sse(ReadFixture("parallel_tools_stream.sse"), 37));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req =
      FixtureRequest(LoadJson("tool_round_trip.json").at("steps").at(0));
  RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(ctx_.first_token.has_value());
  json::array got;
  for (const auto& chunk : sink.chunks) {
    got.push_back(anthropic::testing::Without(
        json::parse(openai::SerializeChatChunk(chunk)), "created"));
  }
  EXPECT_TRUE(JsonEq(c.at("chunks"), got));

  json::value sent = json::parse(server_->requests.at(0).body());
  EXPECT_EQ(sent.at("stream"), json::value(true));
  EXPECT_EQ(Header(0, "accept"), "text/event-stream");
}

TEST_F(AnthropicProviderTest, StreamErrorEventEndsTheStream) {
  Serve(Sse(ReadFixture("stream_error.sse"), 50));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 503);
  EXPECT_EQ(st.error().message, "anthropic: Overloaded");
  ASSERT_EQ(sink.chunks.size(), 2u);
  EXPECT_EQ(sink.chunks[1].choices(0).delta().content(), "Hel");
}

TEST_F(AnthropicProviderTest, StreamWithoutMessageStopIsTruncated) {
  std::string sse = ReadFixture("text_stream.sse");
  sse.resize(sse.find("event: message_delta"));
  Serve(Sse(sse, 64));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "anthropic: upstream stream truncated");
  EXPECT_FALSE(sink.chunks.empty());

  Serve(Sse(sse, 64, /*cut=*/true));
  RecordingSink sink2;
  st = Run<Status>([&] { return p.ChatStream(call_, req, sink2); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
}

TEST_F(AnthropicProviderTest, StreamHttpErrorBeforeFirstByte) {
  Serve(Answer(Response(
      429,
      R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})",
      "retry-after: 7\r\n")));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 429);
  EXPECT_EQ(st.error().type, "rate_limit_error");
  EXPECT_EQ(st.error().message, "anthropic: slow down");
  EXPECT_EQ(st.error().retry_after->count(), 7000);
  EXPECT_TRUE(sink.chunks.empty());
  EXPECT_FALSE(ctx_.first_token.has_value());
}

TEST_F(AnthropicProviderTest, EmbeddingsAreUnimplemented) {
  AnthropicProvider p(Config(), kKey);
  v1::EmbedRequest req;
  req.set_model("claude");
  req.add_input("x");
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_EQ(r.error().message, "anthropic: embeddings are not supported");
}

}  // namespace
}  // namespace across
