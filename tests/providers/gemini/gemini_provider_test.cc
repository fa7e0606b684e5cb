// GeminiProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: paths, auth header, unary and SSE exchanges, error mapping and
// key redaction.
#include "providers/gemini/gemini_provider.h"

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
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/providers/gemini/fixture_util.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr const char* kKey = "AIzaSyTest-0123456789abcdef";

using ServerRequest = http::request<http::string_body>;
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
                     std::string extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: application/json; charset=UTF-8\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

std::string HttpChunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

constexpr std::string_view kSseHeader =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

class Server {
 public:
  Server(asio::io_context& ioc, Handler handler)
      : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    asio::co_spawn(ioc, Accept(), asio::detached);
  }
  std::string Base() const {
    return "http://127.0.0.1:" +
           std::to_string(acceptor_.local_endpoint().port()) + "/v1beta";
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

// Writes `pieces` as HTTP chunks with short pauses (separate reads); closes
// the socket instead of ending the message when `cut` is set.
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

// Splits `text` into pieces of `n` bytes (events straddle reads).
std::vector<std::string> Pieces(std::string_view text, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); i += n) {
    out.emplace_back(text.substr(i, n));
  }
  return out;
}

class RecordingSink : public ChunkSink {
 public:
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;
};

class GeminiProviderTest : public ::testing::Test {
 protected:
  GeminiProviderTest()
      : ssl_(HttpClient::MakeSslContext()),
        client_(ioc_.get_executor(), *ssl_) {
    ctx_.http = &client_;
  }

  void Serve(Handler h) {
    servers_.push_back(std::make_unique<Server>(ioc_, h));
    server_ = servers_.back().get();
  }

  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("gem");
    cfg.set_type("gemini");
    cfg.set_base_url(server_ ? server_->Base() : "http://127.0.0.1:1/v1beta");
    cfg.set_auth_header("x-goog-api-key");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return cfg;
  }

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
  UpstreamCall call_{ctx_, "gemini-upstream", ""};
  std::vector<std::unique_ptr<Server>> servers_;
  Server* server_ = nullptr;
};

std::string FixtureBody(std::string_view name) {
  return json::serialize(gemini::testing::LoadJson(name).at("gemini_response"));
}

TEST_F(GeminiProviderTest, ChatSendsRequestAndParsesAnswer) {
  Serve(Reply(Response(200, FixtureBody("plain_chat.response.json"))));
  auto cfg = Config();
  (*cfg.mutable_headers())["x-extra"] = "1";
  GeminiProvider p(cfg, kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  Serve(Reply(Response(200, FixtureBody("plain_chat.response.json"))));
  auto cfg = Config();
  cfg.set_auth_header("authorization");
  GeminiProvider oauth(cfg, "ya29.oauth-token-abcdef");
  auto req = ChatReq();
  auto r =
      RunCo<Result<v1::ChatResponse>>([&] { return oauth.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "authorization"), "Bearer ya29.oauth-token-abcdef");
  EXPECT_EQ(Header(0, "x-goog-api-key"), "");

  // No key configured: the caller's bearer credential is the key.
  GeminiProvider keyless(Config(), "");
  ctx_.headers.authorization = "Bearer AIzaCallerKey-123456";
  r = RunCo<Result<v1::ChatResponse>>([&] { return keyless.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(1, "x-goog-api-key"), "AIzaCallerKey-123456");
}

TEST_F(GeminiProviderTest, UpstreamErrorEchoingTheKeyIsRedacted) {
  // The upstream quotes the key back, and a URL carrying it.
  const std::string body =
      std::string(R"({"error":{"code":400,"message":"API key not valid: )") +
      kKey + " (see https://x/v1beta/models/m:generateContent?key=" + kKey +
      R"x()","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})x";
  Serve(Reply(Response(400, body)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  Serve(Reply(Response(429, body)));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 37000);

  // A Retry-After header wins over the body.
  Serve(Reply(Response(429, body, "Retry-After: 2\r\n")));
  GeminiProvider p2(Config(), kKey);
  r = RunCo<Result<v1::ChatResponse>>([&] { return p2.Chat(call_, req); });
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
  auto s = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto s = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
    auto s = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().http_status, 502);
    EXPECT_NE(s.error().message.find("truncated"), std::string::npos)
        << s.error().message;
    EXPECT_EQ(sink.chunks.size(), 2u);
  }
}

TEST_F(GeminiProviderTest, StreamErrorStatusBeforeBody) {
  Serve(Reply(Response(
      503,
      R"({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})")));
  GeminiProvider p(Config(), kKey);
  auto req = ChatReq();
  RecordingSink sink;
  auto s = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_EQ(s.error().message, "gem: The model is overloaded.");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(GeminiProviderTest, EmbedBatchAndSingle) {
  Serve(Reply(Response(200, FixtureBody("embed_batch.response.json"))));
  GeminiProvider p(Config(), kKey);
  v1::EmbedRequest req;
  req.set_model("alias");
  req.add_input("a");
  req.add_input("b");
  auto r =
      RunCo<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/v1beta/models/gemini-upstream:batchEmbedContents");
  ASSERT_EQ(r->data_size(), 2);
  EXPECT_FLOAT_EQ(r->data(1).embedding(0), -0.75f);
  EXPECT_EQ(r->provider(), "gem");
  EXPECT_EQ(r->model(), "gemini-upstream");

  Serve(Reply(Response(200, FixtureBody("embed_single.response.json"))));
  GeminiProvider p2(Config(), kKey);
  req.clear_input();
  req.add_input("a");
  r = RunCo<Result<v1::EmbedResponse>>([&] { return p2.Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/v1beta/models/gemini-upstream:embedContent");
  EXPECT_EQ(r->data_size(), 1);
}

TEST_F(GeminiProviderTest, InvalidRequestNamesTheProvider) {
  GeminiProvider p(Config(), kKey);
  v1::ChatRequest req;
  req.set_model("m");
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().message.rfind("gem: ", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace across
