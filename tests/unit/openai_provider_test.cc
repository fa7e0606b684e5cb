// OpenAiProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: request shape and auth, error mapping, SSE streaming.
#include "providers/openai/openai_provider.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "providers/common/upstream_call.h"
#include "tests/providers/common/test_upstream.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr const char* kKey = "sk-test-0123456789abcdef";

using testing::Answer;
using testing::RecordingSink;
using testing::Response;
using testing::ServerRequest;
using testing::Sleep;
using testing::Sse;

class OpenAiProviderTest : public testing::UpstreamTest {
 protected:
  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("testai");
    cfg.set_type("openai");
    cfg.set_base_url(server_ ? server_->Origin() + "/v1"
                             : "http://127.0.0.1:1/v1");
    cfg.set_auth_header("authorization");
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

  UpstreamCall call_{ctx_, "gpt-upstream", ""};
};

constexpr std::string_view kCompletion =
    R"({"id":"chatcmpl-9","object":"chat.completion",
  "created":1700000000,"model":"gpt-upstream-2024","choices":[{"index":0,
  "message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],
  "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})";

TEST_F(OpenAiProviderTest, ChatSendsRequestAndParsesAnswer) {
  Serve(Answer(Response(200, std::string(kCompletion))));
  auto cfg = Config();
  (*cfg.mutable_headers())["x-extra"] = "1";
  OpenAiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider(), "testai");
  EXPECT_EQ(r->model(), "gpt-upstream-2024");  // the upstream's own name
  EXPECT_EQ(r->choices(0).message().content(), "hello");
  EXPECT_EQ(r->usage().total_tokens(), 2);

  ASSERT_EQ(server_->requests.size(), 1u);
  const auto& sent = server_->requests[0];
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(), "/v1/chat/completions");
  EXPECT_EQ(Header(0, "authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(Header(0, "content-type"), "application/json");
  EXPECT_EQ(Header(0, "accept"), "application/json");
  EXPECT_EQ(Header(0, "x-extra"), "1");
  auto body = json::parse(sent.body());
  EXPECT_EQ(body.at("model"), "gpt-upstream");
  EXPECT_FALSE(body.as_object().contains("stream"));
  EXPECT_EQ(body.at("messages").at(0).at("content"), "hi");
}

TEST_F(OpenAiProviderTest, RawKeyHeaderAndOverride) {
  Serve(Answer(Response(200, std::string(kCompletion))));
  auto cfg = Config();
  cfg.set_auth_header("api-key");
  OpenAiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "api-key"), kKey);
  EXPECT_EQ(Header(0, "authorization"), "");

  call_.api_key_override = "override-key-abcdef";
  r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(1, "api-key"), "override-key-abcdef");
}

TEST_F(OpenAiProviderTest, ForwardsCallerAuthorizationWithoutKey) {
  Serve(Answer(Response(200, std::string(kCompletion))));
  OpenAiProvider p(Config(), "");
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(0, "authorization"), "");  // nothing to send

  ctx_.headers.authorization = "Bearer caller-key-123456";
  r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(1, "authorization"), "Bearer caller-key-123456");
}

TEST_F(OpenAiProviderTest, UpstreamErrorsKeepStatusAndRetryHint) {
  Serve(Answer(Response(
      429,
      R"({"error":{"message":"Rate limit reached","type":"rate_limit_error","code":"rate_limit_exceeded"}})",
      "retry-after-ms: 1500\r\nretry-after: 2\r\n")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  EXPECT_EQ(r.error().code, "rate_limit_exceeded");
  EXPECT_EQ(r.error().message, "testai: Rate limit reached");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 1500);
}

TEST_F(OpenAiProviderTest, KeyNeverInErrors) {
  Serve(Answer(Response(
      401, std::string(R"({"error":{"message":"Incorrect API key provided: )") +
               kKey + R"(."}})")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(r.error().message.find(kKey), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("[REDACTED]"), std::string::npos);
}

TEST_F(OpenAiProviderTest, EmptyAndHtmlBodies) {
  Serve(Answer(Response(503, "", "", "text/plain")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().message, "testai: HTTP 503 with empty body");
}

TEST_F(OpenAiProviderTest, MalformedSuccessBody) {
  Serve(Answer(Response(200, "not json")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(r.error().message.rfind("testai: ", 0), 0u) << r.error().message;
}

TEST_F(OpenAiProviderTest, ConnectionRefusedNamesProvider) {
  OpenAiProvider p(Config(), kKey);  // port 1: nothing listens
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(r.error().message.rfind("testai: ", 0), 0u) << r.error().message;
  EXPECT_EQ(r.error().message.find(kKey), std::string::npos);
}

TEST_F(OpenAiProviderTest, RequestTimeout) {
  Serve([](tcp::socket& s, const ServerRequest&) -> asio::awaitable<void> {
    co_await Sleep(2s);
  });
  auto cfg = Config();
  cfg.set_request_timeout_ms(100);
  OpenAiProvider p(cfg, kKey);
  auto req = ChatReq();
  const auto start = Clock::now();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 504);
  EXPECT_LT(Clock::now() - start, 1500ms);
}

constexpr const char* kRoleChunk =
    R"(data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m-up","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})"
    "\n\n";
constexpr const char* kHelloChunk =
    R"(data: {"id":"c1","created":1,"model":"m-up","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]})"
    "\n\n";
constexpr const char* kLoChunk =
    R"(data: {"id":"c1","created":1,"model":"m-up","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]})"
    "\n\n";
constexpr const char* kUsageChunk =
    R"(data: {"id":"c1","created":1,"model":"m-up","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}})"
    "\n\n";

TEST_F(OpenAiProviderTest, StreamTranslatesChunks) {
  // Events split at awkward places across HTTP chunks, plus a comment.
  std::string all = std::string(": keep-alive\n\n") + kRoleChunk + kHelloChunk +
                    kLoChunk + kUsageChunk + "data: [DONE]\n\n";
  std::vector<std::string> pieces;
  for (size_t i = 0; i < all.size(); i += 37)
    pieces.push_back(all.substr(i, 37));
  Serve(Sse(pieces));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  ASSERT_EQ(sink.chunks.size(), 4u);
  EXPECT_EQ(sink.chunks[0].choices(0).delta().role(), v1::ROLE_ASSISTANT);
  EXPECT_EQ(sink.chunks[1].choices(0).delta().content(), "Hel");
  EXPECT_EQ(sink.chunks[2].choices(0).delta().content(), "lo");
  EXPECT_EQ(sink.chunks[2].choices(0).finish_reason(), v1::FINISH_REASON_STOP);
  EXPECT_EQ(sink.chunks[3].choices_size(), 0);
  EXPECT_EQ(sink.chunks[3].usage().total_tokens(), 5);
  for (const auto& c : sink.chunks) {
    EXPECT_EQ(c.provider(), "testai");
    EXPECT_EQ(c.model(), "m-up");
  }
  EXPECT_TRUE(ctx_.first_token.has_value());

  EXPECT_EQ(Header(0, "accept"), "text/event-stream");
  auto body = json::parse(server_->requests[0].body());
  EXPECT_EQ(body.at("stream"), true);
  EXPECT_EQ(body.at("stream_options").at("include_usage"), true);
}

TEST_F(OpenAiProviderTest, StreamWithoutDoneIsTruncated) {
  Serve(Sse({kRoleChunk, kHelloChunk}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "testai: upstream stream truncated");
  EXPECT_EQ(sink.chunks.size(), 2u);
}

TEST_F(OpenAiProviderTest, StreamConnectionCutIsTruncated) {
  Serve(Sse({kRoleChunk, kHelloChunk}, /*cut=*/true));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "testai: upstream stream truncated");
}

TEST_F(OpenAiProviderTest, StreamErrorPayload) {
  Serve(Sse({kRoleChunk,
             "data: {\"error\":{\"message\":\"model overloaded\",\"type\":"
             "\"server_error\"}}\n\n"}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "testai: model overloaded");
  EXPECT_EQ(sink.chunks.size(), 1u);

  Serve(Sse({"event: error\ndata: {\"message\":\"quota\"}\n\n"}));
  auto cfg = Config();
  OpenAiProvider p2(cfg, kKey);
  RecordingSink sink2;
  st = Run<Status>([&] { return p2.ChatStream(call_, req, sink2); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "testai: quota");
}

TEST_F(OpenAiProviderTest, StreamMalformedChunk) {
  Serve(Sse({kRoleChunk, "data: {\"id\": oops}\n\n"}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "testai: malformed stream chunk");
}

TEST_F(OpenAiProviderTest, StreamClientGone) {
  Serve(Sse({kRoleChunk, kHelloChunk, kLoChunk, "data: [DONE]\n\n"}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink(1);
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 499);
  EXPECT_EQ(st.error().message, "testai: client cancelled");
  EXPECT_EQ(sink.chunks.size(), 1u);
}

TEST_F(OpenAiProviderTest, StreamUpstreamHttpError) {
  Serve(Answer(
      Response(400, R"({"error":{"message":"bad model","param":"model"}})")));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = Run<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 400);
  EXPECT_EQ(st.error().param, "model");
  EXPECT_EQ(st.error().message, "testai: bad model");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(OpenAiProviderTest, Embed) {
  Serve(Answer(Response(
      200,
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"emb-up","usage":{"prompt_tokens":2,"total_tokens":2}})")));
  OpenAiProvider p(Config(), kKey);
  v1::EmbedRequest req;
  req.set_model("alias");
  req.add_input("hello");
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->provider(), "testai");
  EXPECT_EQ(r->model(), "emb-up");
  ASSERT_EQ(r->data(0).embedding_size(), 2);
  EXPECT_FLOAT_EQ(r->data(0).embedding(1), -0.25f);
  EXPECT_EQ(server_->requests[0].target(), "/v1/embeddings");
  auto body = json::parse(server_->requests[0].body());
  EXPECT_EQ(body.at("model"), "gpt-upstream");
  EXPECT_EQ(body.at("input").at(0), "hello");
}

TEST(ParseRetryAfter, Forms) {
  using std::chrono::milliseconds;
  EXPECT_EQ(ParseRetryAfter("250", ""), milliseconds(250));
  EXPECT_EQ(ParseRetryAfter("12.6", "3"), milliseconds(13));
  EXPECT_EQ(ParseRetryAfter("", "3"), milliseconds(3000));
  EXPECT_EQ(ParseRetryAfter("", " 1.5 "), milliseconds(1500));
  EXPECT_EQ(ParseRetryAfter("junk", "2"), milliseconds(2000));
  EXPECT_EQ(ParseRetryAfter("", ""), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", "soon"), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("", "-1"), std::nullopt);
  // HTTP-date relative to `now`.
  const auto now = std::chrono::system_clock::from_time_t(1445412470);
  // Wed, 21 Oct 2015 07:28:00 GMT is 1445412480.
  EXPECT_EQ(ParseRetryAfter("", "Wed, 21 Oct 2015 07:28:00 GMT", now),
            milliseconds(10000));
  EXPECT_EQ(ParseRetryAfter("", "Wed, 21 Oct 2015 07:28:00 GMT",
                            now + std::chrono::hours(1)),
            milliseconds(0));
}

}  // namespace
}  // namespace across
