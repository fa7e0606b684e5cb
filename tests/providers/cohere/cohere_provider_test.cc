// CohereProvider through the real HttpClient against a scripted local
// upstream: the request it sends (path, auth, body field by field against
// the fixtures), the answers it builds, error mapping, streams.
#include "providers/cohere/cohere_provider.h"

#include <gtest/gtest.h>

#include "providers/catalog.h"
#include "providers/openai/openai_wire.h"
#include "tests/providers/cohere/golden.h"
#include "tests/providers/common/test_upstream.h"

namespace across {
namespace {

using testing::Reply;
namespace http = boost::beast::http;
namespace json = boost::json;
namespace v1 = ::across::gateway::v1;

const std::string kDir = "tests/providers/cohere/fixtures/";
constexpr const char* kKey = "co-test-0123456789abcdef";

class CohereProviderTest : public testing::ProviderTest {
 protected:
  CohereProvider Make(std::string key = kKey) {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("cohere");
    cfg.set_type("cohere");
    cfg.set_base_url(upstream_.Origin() + "/v2");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return CohereProvider(cfg, std::move(key));
  }

  static v1::ChatRequest Client(const std::string& name) {
    auto p = openai::ParseChatRequest(
        golden::LoadJsonText(kDir + name + ".client.json"));
    EXPECT_TRUE(p.ok());
    return p.ok() ? p->request : v1::ChatRequest();
  }
};

TEST_F(CohereProviderTest, ChatSendsTheFixtureRequest) {
  upstream_.Push(Reply::Json(
      200, golden::LoadJsonText(kDir + "chat_plain.response.json")));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, "command-a-03-2025", ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(upstream_.requests.size(), 1u);
  const auto& sent = upstream_.requests[0];
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(), "/v2/chat");
  EXPECT_EQ(Header(0, "authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(Header(0, "content-type"), "application/json");
  golden::ExpectJsonEq(golden::Parse(sent.body()),
                       golden::LoadJson(kDir + "chat_plain.request.json"));
  EXPECT_EQ(r->provider(), "cohere");
  EXPECT_EQ(r->model(), "command-a-03-2025");
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(r->usage().total_tokens(), 29);
}

TEST_F(CohereProviderTest, UpstreamModelReplacesTheAlias) {
  upstream_.Push(Reply::Json(
      200, golden::LoadJsonText(kDir + "chat_plain.response.json")));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_plain");
  req.set_model("my-alias");
  UpstreamCall call{ctx_, "command-r7b-12-2024", ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(golden::Parse(upstream_.requests[0].body()).at("model"),
            "command-r7b-12-2024");
  EXPECT_EQ(r->model(), "command-r7b-12-2024");
}

TEST_F(CohereProviderTest, StreamsParallelToolCalls) {
  upstream_.Push(Reply::Sse(golden::Read(kDir + "stream_parallel_tools.sse")));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_tools");
  UpstreamCall call{ctx_, "", ""};
  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(Header(0, "accept"), "text/event-stream");
  json::value body = golden::Parse(upstream_.requests[0].body());
  EXPECT_EQ(body.at("stream"), json::value(true));
  EXPECT_TRUE(ctx_.first_token.has_value());
  ASSERT_FALSE(sink.chunks.empty());
  std::vector<std::string> args(2);
  for (const auto& c : sink.chunks) {
    EXPECT_EQ(c.provider(), "cohere");
    for (const auto& ch : c.choices()) {
      for (const auto& tc : ch.delta().tool_calls()) {
        ASSERT_LT(tc.index(), 2);
        args[tc.index()] += tc.function().arguments();
      }
    }
  }
  EXPECT_EQ(args[0], "{\n    \"location\": \"Toronto\"\n}");
  EXPECT_EQ(args[1], "{\n    \"location\": \"New York\"\n}");
  EXPECT_EQ(sink.chunks.back().usage().completion_tokens(), 75);
}

TEST_F(CohereProviderTest, MidStreamErrorAfterOutput) {
  upstream_.Push(Reply::Sse(golden::Read(kDir + "stream_error.sse")));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, "", ""};
  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message.rfind("cohere: ", 0), 0u) << st.error().message;
  EXPECT_NE(st.error().message.find("internal error while generating"),
            std::string::npos);
  EXPECT_TRUE(ctx_.first_token.has_value());
  ASSERT_EQ(sink.chunks.size(), 2u);
  EXPECT_EQ(sink.chunks[1].choices(0).delta().content(), "Partial");
}

TEST_F(CohereProviderTest, TruncatedStreamIsAnError) {
  std::string sse = golden::Read(kDir + "stream_text.sse");
  sse.resize(sse.find("event: message-end"));
  upstream_.Push(Reply::Sse(sse));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, "", ""};
  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "cohere: upstream stream truncated");
}

TEST_F(CohereProviderTest, ErrorsKeepStatusRetryAfterAndHideTheKey) {
  upstream_.Push(Reply::Json(429, golden::LoadJsonText(kDir + "error_429.json"),
                             "Retry-After: 2\r\n"));
  upstream_.Push(Reply::Json(
      401, std::string(R"({"id":"x","message":"invalid api token )") + kKey +
               R"("})"));
  CohereProvider p = Make();
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, "", ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  EXPECT_EQ(r.error().message,
            "cohere: trial key rate limit exceeded, try again later");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 2000);

  testing::RecordingSink sink;
  auto st = Run<Status>([&] { return p.ChatStream(call, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 401);
  EXPECT_EQ(st.error().message, "cohere: invalid api token [REDACTED]");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(CohereProviderTest, Embed) {
  upstream_.Push(
      Reply::Json(200, golden::LoadJsonText(kDir + "embed.response.json")));
  CohereProvider p = Make();
  auto req = openai::ParseEmbedRequest(
      golden::LoadJsonText(kDir + "embed.client.json"));
  ASSERT_TRUE(req.ok());
  UpstreamCall call{ctx_, "", ""};
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p.Embed(call, *req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(upstream_.requests[0].target(), "/v2/embed");
  golden::ExpectJsonEq(golden::Parse(upstream_.requests[0].body()),
                       golden::LoadJson(kDir + "embed.request.json"));
  EXPECT_EQ(r->provider(), "cohere");
  EXPECT_EQ(r->data_size(), 2);
  EXPECT_EQ(r->usage().prompt_tokens(), 3);
}

TEST_F(CohereProviderTest, CallerKeyGoesThroughWhenNoneIsConfigured) {
  upstream_.Push(Reply::Json(
      200, golden::LoadJsonText(kDir + "chat_plain.response.json")));
  CohereProvider p = Make("");
  ctx_.headers.authorization = "Bearer caller-key-123456";
  v1::ChatRequest req = Client("chat_plain");
  UpstreamCall call{ctx_, "", ""};
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(0, "authorization"), "Bearer caller-key-123456");
}

TEST(CohereCatalog, PresetAndOperations) {
  const ProviderPreset* p = FindPreset("cohere");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->type, "cohere");
  EXPECT_EQ(p->base_url, "https://api.cohere.com/v2");
  EXPECT_EQ(p->api_key_env, "COHERE_API_KEY");
  EXPECT_EQ(p->auth_header, "authorization");
  EXPECT_TRUE(IsKnownProviderType("cohere"));
  ProviderOperations ops = SupportedOperations("cohere");
  EXPECT_TRUE(ops.chat && ops.chat_stream && ops.embed);
  ProviderOperations none = SupportedOperations("no-such-type");
  EXPECT_FALSE(none.chat || none.chat_stream || none.embed);
  ::across::config::v1::ProviderConfig cfg;
  cfg.set_id("co");
  cfg.set_type("cohere");
  cfg.set_base_url(p->base_url);
  auto made = MakeProvider(cfg, "k");
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ((*made)->info().type, "cohere");
}

}  // namespace
}  // namespace across
