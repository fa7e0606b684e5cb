// OpenAiProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: request shape and auth, error mapping, SSE streaming.
#include "providers/openai/openai_provider.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr const char* kKey = "sk-test-0123456789abcdef";

using ServerRequest = http::request<http::string_body>;
// Writes the whole raw response for one request.
using Handler =
    std::function<asio::awaitable<void>(tcp::socket&, const ServerRequest&)>;

asio::awaitable<void> Sleep(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(kTok);
}

asio::awaitable<void> WriteRaw(tcp::socket& s, std::string data) {
  co_await asio::async_write(s, asio::buffer(data), kTok);
}

std::string Response(int status, std::string body,
                     std::string extra_headers = "",
                     std::string type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

std::string HttpChunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

constexpr std::string_view kSseHeader =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// Accepts connections on 127.0.0.1:0 and answers each request with
// `handler`; keeps every request it saw.
class Server {
 public:
  Server(asio::io_context& ioc, Handler handler)
      : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    asio::co_spawn(ioc, Accept(), asio::detached);
  }
  std::string Base() const {
    return "http://127.0.0.1:" +
           std::to_string(acceptor_.local_endpoint().port()) + "/v1";
  }
  std::vector<ServerRequest> requests;

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTok);
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), Serve(std::move(sock)),
                     asio::detached);
    }
  }
  asio::awaitable<void> Serve(tcp::socket sock) {
    beast::flat_buffer buf;
    for (;;) {
      ServerRequest req;
      auto [ec, n] = co_await http::async_read(sock, buf, req, kTok);
      if (ec) co_return;
      requests.push_back(req);
      co_await handler_(sock, req);
      if (!sock.is_open()) co_return;
    }
  }
  tcp::acceptor acceptor_;
  Handler handler_;
};

Handler Reply(std::string raw) {
  return [raw](tcp::socket& s, const ServerRequest&) -> asio::awaitable<void> {
    co_await WriteRaw(s, raw);
  };
}

// Streams `events` as SSE, one HTTP chunk each (with a short pause so they
// arrive as separate reads), then ends the message unless `cut` is set.
Handler Sse(std::vector<std::string> pieces, bool cut = false) {
  return [pieces, cut](tcp::socket& s,
                       const ServerRequest&) -> asio::awaitable<void> {
    co_await WriteRaw(s, std::string(kSseHeader));
    for (const auto& p : pieces) {
      co_await WriteRaw(s, HttpChunk(p));
      co_await Sleep(2ms);
    }
    if (cut) {
      s.close();
      co_return;
    }
    co_await WriteRaw(s, "0\r\n\r\n");
  };
}

class RecordingSink : public ChunkSink {
 public:
  explicit RecordingSink(int accept = -1) : accept_(accept) {}
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    if (accept_ >= 0 && static_cast<int>(chunks.size()) >= accept_) {
      co_return false;
    }
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;

 private:
  int accept_;
};

class OpenAiProviderTest : public ::testing::Test {
 protected:
  OpenAiProviderTest()
      : ssl_(HttpClient::MakeSslContext()),
        client_(ioc_.get_executor(), *ssl_) {
    ctx_.http = &client_;
  }

  // Earlier servers stay alive: their coroutines may still be suspended.
  void Serve(Handler h) {
    servers_.push_back(std::make_unique<Server>(ioc_, h));
    server_ = servers_.back().get();
  }

  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("testai");
    cfg.set_type("openai");
    cfg.set_base_url(server_ ? server_->Base() : "http://127.0.0.1:1/v1");
    cfg.set_auth_header("authorization");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return cfg;
  }

  // Runs `fn` until it completes (the server loop never ends by itself).
  template <typename T, typename Fn>
  T RunCo(Fn fn) {
    std::optional<T> out;
    asio::co_spawn(
        ioc_, [&]() -> asio::awaitable<void> { out.emplace(co_await fn()); },
        [this](std::exception_ptr e) {
          ioc_.stop();
          if (e) std::rethrow_exception(e);
        });
    ioc_.run();
    ioc_.restart();
    return std::move(*out);
  }

  static v1::ChatRequest ChatReq() {
    v1::ChatRequest r;
    r.set_model("alias");
    auto* m = r.add_messages();
    m->set_role(v1::ROLE_USER);
    m->set_content("hi");
    return r;
  }

  std::string Header(size_t i, std::string_view name) const {
    const auto& req = server_->requests.at(i);
    auto it = req.find(name);
    return it == req.end() ? "" : std::string(it->value());
  }

  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ssl_;
  HttpClient client_;
  RequestContext ctx_;
  UpstreamCall call_{ctx_, "gpt-upstream", ""};
  std::vector<std::unique_ptr<Server>> servers_;
  Server* server_ = nullptr;
};

constexpr std::string_view kCompletion =
    R"({"id":"chatcmpl-9","object":"chat.completion",
  "created":1700000000,"model":"gpt-upstream-2024","choices":[{"index":0,
  "message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],
  "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}})";

TEST_F(OpenAiProviderTest, ChatSendsRequestAndParsesAnswer) {
  Serve(Reply(Response(200, std::string(kCompletion))));
  auto cfg = Config();
  (*cfg.mutable_headers())["x-extra"] = "1";
  OpenAiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  Serve(Reply(Response(200, std::string(kCompletion))));
  auto cfg = Config();
  cfg.set_auth_header("api-key");
  OpenAiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "api-key"), kKey);
  EXPECT_EQ(Header(0, "authorization"), "");

  call_.api_key_override = "override-key-abcdef";
  r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(1, "api-key"), "override-key-abcdef");
}

TEST_F(OpenAiProviderTest, ForwardsCallerAuthorizationWithoutKey) {
  Serve(Reply(Response(200, std::string(kCompletion))));
  OpenAiProvider p(Config(), "");
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(0, "authorization"), "");  // nothing to send

  ctx_.headers.authorization = "Bearer caller-key-123456";
  r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Header(1, "authorization"), "Bearer caller-key-123456");
}

TEST_F(OpenAiProviderTest, UpstreamErrorsKeepStatusAndRetryHint) {
  Serve(Reply(Response(
      429,
      R"({"error":{"message":"Rate limit reached","type":"rate_limit_error","code":"rate_limit_exceeded"}})",
      "retry-after-ms: 1500\r\nretry-after: 2\r\n")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  EXPECT_EQ(r.error().code, "rate_limit_exceeded");
  EXPECT_EQ(r.error().message, "testai: Rate limit reached");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 1500);
}

TEST_F(OpenAiProviderTest, KeyNeverInErrors) {
  Serve(Reply(Response(
      401, std::string(R"({"error":{"message":"Incorrect API key provided: )") +
               kKey + R"(."}})")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(r.error().message.find(kKey), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("[REDACTED]"), std::string::npos);
}

TEST_F(OpenAiProviderTest, EmptyAndHtmlBodies) {
  Serve(Reply(Response(503, "", "", "text/plain")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 503);
  EXPECT_EQ(r.error().message, "testai: HTTP 503 with empty body");
}

TEST_F(OpenAiProviderTest, MalformedSuccessBody) {
  Serve(Reply(Response(200, "not json")));
  OpenAiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 502);
  EXPECT_EQ(r.error().message.rfind("testai: ", 0), 0u) << r.error().message;
}

TEST_F(OpenAiProviderTest, ConnectionRefusedNamesProvider) {
  OpenAiProvider p(Config(), kKey);  // port 1: nothing listens
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "testai: model overloaded");
  EXPECT_EQ(sink.chunks.size(), 1u);

  Serve(Sse({"event: error\ndata: {\"message\":\"quota\"}\n\n"}));
  auto cfg = Config();
  OpenAiProvider p2(cfg, kKey);
  RecordingSink sink2;
  st = RunCo<Status>([&] { return p2.ChatStream(call_, req, sink2); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message, "testai: quota");
}

TEST_F(OpenAiProviderTest, StreamMalformedChunk) {
  Serve(Sse({kRoleChunk, "data: {\"id\": oops}\n\n"}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "testai: malformed stream chunk");
}

TEST_F(OpenAiProviderTest, StreamClientGone) {
  Serve(Sse({kRoleChunk, kHelloChunk, kLoChunk, "data: [DONE]\n\n"}));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink(1);
  auto req = ChatReq();
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 499);
  EXPECT_EQ(st.error().message, "testai: client cancelled");
  EXPECT_EQ(sink.chunks.size(), 1u);
}

TEST_F(OpenAiProviderTest, StreamUpstreamHttpError) {
  Serve(Reply(
      Response(400, R"({"error":{"message":"bad model","param":"model"}})")));
  OpenAiProvider p(Config(), kKey);
  RecordingSink sink;
  auto req = ChatReq();
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 400);
  EXPECT_EQ(st.error().param, "model");
  EXPECT_EQ(st.error().message, "testai: bad model");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(OpenAiProviderTest, Embed) {
  Serve(Reply(Response(
      200,
      R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"emb-up","usage":{"prompt_tokens":2,"total_tokens":2}})")));
  OpenAiProvider p(Config(), kKey);
  v1::EmbedRequest req;
  req.set_model("alias");
  req.add_input("hello");
  auto r =
      RunCo<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
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
