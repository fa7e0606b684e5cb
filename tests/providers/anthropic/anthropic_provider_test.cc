// AnthropicProvider against a Beast server on 127.0.0.1:0, through the real
// HttpClient: path, auth and version headers, the body sent (checked against
// the golden fixtures), error mapping with Retry-After and key redaction,
// and SSE streams split across network reads.
#include "providers/anthropic/anthropic_provider.h"

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
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/openai/openai_wire.h"
#include "tests/providers/anthropic/golden.h"

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

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr const char* kKey = "sk-ant-test-0123456789abcdef";

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
         " X\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

std::string HttpChunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

// Accepts connections on 127.0.0.1:0, answers each request with `handler`
// and keeps every request it saw.
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

// Sends `sse` as a chunked event stream in pieces of `piece` bytes with a
// short pause between them, so events straddle reads; `cut` closes the
// connection instead of ending the body.
Handler Sse(std::string sse, size_t piece, bool cut = false) {
  return [sse, piece, cut](tcp::socket& s,
                           const ServerRequest&) -> asio::awaitable<void> {
    co_await WriteRaw(s,
                      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t i = 0; i < sse.size(); i += piece) {
      co_await WriteRaw(s, HttpChunk(std::string_view(sse).substr(i, piece)));
      co_await Sleep(1ms);
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
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;
};

class AnthropicProviderTest : public ::testing::Test {
 protected:
  AnthropicProviderTest()
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
    cfg.set_id("anthropic");
    cfg.set_type("anthropic");
    cfg.set_base_url(server_ ? server_->Base() : "http://127.0.0.1:1/v1");
    cfg.set_auth_header("x-api-key");
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

  // A fixture's client request, parsed as the HTTP front end does.
  static v1::ChatRequest FixtureRequest(const json::value& fx) {
    auto parsed =
        openai::ParseChatRequest(json::serialize(fx.at("chat_request")));
    EXPECT_TRUE(parsed.ok());
    return parsed->request;
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
  UpstreamCall call_{ctx_, "claude-sonnet-4-5", ""};
  std::vector<std::unique_ptr<Server>> servers_;
  Server* server_ = nullptr;
};

TEST_F(AnthropicProviderTest, ChatSendsFixtureRequestAndParsesAnswer) {
  const json::value fx = LoadJson("tool_round_trip.json").at("steps").at(1);
  Serve(Reply(Response(200, json::serialize(fx.at("upstream_response")))));
  auto cfg = Config();
  (*cfg.mutable_headers())["anthropic-beta"] = "prompt-caching-2024-07-31";
  AnthropicProvider p(cfg, kKey);
  const v1::ChatRequest req = FixtureRequest(fx);
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  Serve(Reply(Response(200, answer)));
  auto cfg = Config();
  cfg.set_api_version("2024-01-01");
  cfg.set_auth_header("authorization");  // an Anthropic-compatible proxy
  AnthropicProvider bearer(cfg, kKey);
  const v1::ChatRequest req = FixtureRequest(fx);
  auto r =
      RunCo<Result<v1::ChatResponse>>([&] { return bearer.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "authorization"), std::string("Bearer ") + kKey);
  EXPECT_EQ(Header(0, "x-api-key"), "");
  EXPECT_EQ(Header(0, "anthropic-version"), "2024-01-01");

  // No key configured: the caller's bearer token goes out as x-api-key.
  Serve(Reply(Response(200, answer)));
  AnthropicProvider keyless(Config(), "");
  ctx_.headers.authorization = "Bearer sk-ant-caller-987654321";
  r = RunCo<Result<v1::ChatResponse>>([&] { return keyless.Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Header(0, "x-api-key"), "sk-ant-caller-987654321");
}

TEST_F(AnthropicProviderTest, OverloadedBecomes503WithRetryHintAndNoKey) {
  const std::string body =
      std::string(R"({"type":"error","error":{"type":"overloaded_error",)") +
      R"("message":"Overloaded (key )" + kKey + ")\"}}";
  Serve(Reply(Response(529, body, "retry-after: 2\r\n")));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  auto r = RunCo<Result<v1::ChatResponse>>([&] { return p.Chat(call_, req); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
  EXPECT_EQ(st.error().message, "anthropic: upstream stream truncated");
  EXPECT_FALSE(sink.chunks.empty());

  Serve(Sse(sse, 64, /*cut=*/true));
  RecordingSink sink2;
  st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink2); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 502);
}

TEST_F(AnthropicProviderTest, StreamHttpErrorBeforeFirstByte) {
  Serve(Reply(Response(
      429,
      R"({"type":"error","error":{"type":"rate_limit_error","message":"slow down"}})",
      "retry-after: 7\r\n")));
  AnthropicProvider p(Config(), kKey);
  v1::ChatRequest req = FixtureRequest(LoadJson("plain_chat.json"));
  RecordingSink sink;
  auto st = RunCo<Status>([&] { return p.ChatStream(call_, req, sink); });
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
  auto r =
      RunCo<Result<v1::EmbedResponse>>([&] { return p.Embed(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_EQ(r.error().message, "anthropic: embeddings are not supported");
}

}  // namespace
}  // namespace across
