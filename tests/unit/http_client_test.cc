// HttpClient against Beast servers running in-process on 127.0.0.1 with
// ephemeral ports (no network access needed).
#include "gateway/upstream/http_client.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/upstream/sse_parser.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

using ServerRequest = http::request<http::string_body>;
using ServerResponse = http::response<http::string_body>;
using ConnHandler = std::function<asio::awaitable<void>(tcp::socket)>;

asio::awaitable<void> Sleep(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(kTok);
}

// Accepts connections on 127.0.0.1:0 and runs `handler` on each.
class TestServer {
 public:
  TestServer(asio::io_context& ioc, ConnHandler handler)
      : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}),
        handler_(std::move(handler)) {
    asio::co_spawn(ioc, Accept(), asio::detached);
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string Base(const char* scheme = "http") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port());
  }
  int connections() const { return connections_; }

 private:
  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTok);
      if (ec) co_return;
      ++connections_;
      asio::co_spawn(acceptor_.get_executor(), handler_(std::move(sock)),
                     asio::detached);
    }
  }

  tcp::acceptor acceptor_;
  ConnHandler handler_;
  int connections_ = 0;
};

// Serves keep-alive HTTP on `stream` with `respond`; `max_requests` < 0 means
// unlimited. Returns when the client goes away.
template <class Stream>
asio::awaitable<void> ServeHttp(
    Stream& stream,
    const std::function<ServerResponse(const ServerRequest&)>& respond,
    int max_requests = -1) {
  beast::flat_buffer buf;
  for (int i = 0; max_requests < 0 || i < max_requests; ++i) {
    ServerRequest req;
    auto [ec, n] = co_await http::async_read(stream, buf, req, kTok);
    if (ec) co_return;
    ServerResponse res = respond(req);
    res.version(11);
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    auto [wec, wn] = co_await http::async_write(stream, res, kTok);
    if (wec || !res.keep_alive()) co_return;
  }
}

ConnHandler Responder(std::function<ServerResponse(const ServerRequest&)> fn) {
  return [fn = std::move(fn)](tcp::socket s) -> asio::awaitable<void> {
    co_await ServeHttp(s, fn);
  };
}

ServerResponse Ok(std::string body) {
  ServerResponse res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = std::move(body);
  return res;
}

asio::awaitable<bool> ReadRequest(tcp::socket& s, beast::flat_buffer& buf) {
  ServerRequest req;
  auto [ec, n] = co_await http::async_read(s, buf, req, kTok);
  co_return !ec;
}

asio::awaitable<void> WriteRaw(tcp::socket& s, std::string_view data) {
  co_await asio::async_write(s, asio::buffer(data.data(), data.size()), kTok);
}

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

constexpr std::string_view kSseHeader =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";

// Runs `body` on `ioc` to completion (servers keep running in between).
void RunClient(asio::io_context& ioc,
               std::function<asio::awaitable<void>()> body) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(ioc, std::move(body), [&](std::exception_ptr e) {
    error = e;
    done = true;
    ioc.stop();
  });
  ioc.restart();
  ioc.run_for(20s);
  ASSERT_TRUE(done) << "client coroutine did not finish";
  if (error) std::rethrow_exception(error);
}

UpstreamRequest MakeRequest(const std::string& url,
                            Clock::duration timeout = 5s) {
  UpstreamRequest req;
  auto parsed = Url::Parse(url);
  EXPECT_TRUE(parsed.ok()) << url;
  if (parsed.ok()) req.url = *parsed;
  req.body = R"({"model":"m"})";
  req.headers = {{"Content-Type", "application/json"},
                 {"Authorization", "Bearer sk-secret"}};
  req.deadline = Clock::now() + timeout;
  return req;
}

class HttpClientTest : public ::testing::Test {
 protected:
  HttpClientTest() : ssl_(HttpClient::MakeSslContext()) {}

  std::unique_ptr<HttpClient> NewClient(HttpClientOptions options = {}) {
    return std::make_unique<HttpClient>(ioc_.get_executor(), *ssl_, options);
  }

  asio::io_context ioc_;
  std::unique_ptr<ssl::context> ssl_;
};

// --------------------------------------------------------------------------
// Url

TEST(UrlTest, ParseDefaultsAndQuery) {
  auto a = Url::Parse("https://api.openai.com/v1");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "api.openai.com");
  EXPECT_EQ(a->port, "443");
  EXPECT_EQ(a->target, "/v1");
  EXPECT_EQ(a->Origin(), "https://api.openai.com:443");

  auto b = Url::Parse("http://LocalHost");
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->host, "localhost");
  EXPECT_EQ(b->port, "80");
  EXPECT_EQ(b->target, "/");

  auto c = Url::Parse("http://h:8080/a/b?key=SECRET&alt=sse#frag");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, "8080");
  EXPECT_EQ(c->target, "/a/b?key=SECRET&alt=sse");
  EXPECT_EQ(c->Origin(), "http://h:8080");  // no query in logs

  auto d = Url::Parse("https://[::1]:8443/x");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "::1");
  EXPECT_EQ(d->Origin(), "https://[::1]:8443");
}

TEST(UrlTest, ParseErrors) {
  for (const char* bad :
       {"ftp://example.com/", "not a url", "/relative/path", "https://",
        "http://h:99999/", "https://user:pw@h/"}) {
    auto r = Url::Parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().http_status, 400) << bad;
    }
  }
  auto ftp = Url::Parse("ftp://example.com/?key=SECRET");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.error().message.find("ftp"), std::string::npos);
  EXPECT_EQ(ftp.error().message.find("SECRET"), std::string::npos);
}

TEST(UrlTest, Join) {
  auto j = [](std::string_view base, std::string_view path) {
    auto r = Url::Join(base, path);
    EXPECT_TRUE(r.ok()) << base << " + " << path;
    return r.ok() ? r->Origin() + r->target : std::string();
  };
  EXPECT_EQ(j("https://h/v1", "/chat/completions"),
            "https://h:443/v1/chat/completions");
  EXPECT_EQ(j("https://h/v1/", "/chat"), "https://h:443/v1/chat");
  EXPECT_EQ(j("https://h/v1/", "chat"), "https://h:443/v1/chat");
  EXPECT_EQ(j("https://h", "/models"), "https://h:443/models");
  EXPECT_EQ(j("https://h/", ""), "https://h:443/");
  EXPECT_EQ(j("http://h:8080/v1beta?key=K", "/models/g:generateContent"),
            "http://h:8080/v1beta/models/g:generateContent?key=K");
  EXPECT_EQ(j("http://h/v1?key=K", "/m:stream?alt=sse"),
            "http://h:80/v1/m:stream?key=K&alt=sse");
  EXPECT_FALSE(Url::Join("ftp://h/", "/x").ok());
  EXPECT_FALSE(Url::Join("https://h/", "/bad path").ok());
}

// --------------------------------------------------------------------------
// Unary

TEST_F(HttpClientTest, UnaryOkSendsExpectedRequest) {
  ServerRequest seen;
  TestServer server(ioc_, Responder([&](const ServerRequest& req) {
                      seen = req;
                      auto res = Ok(R"({"ok":true})");
                      res.set("X-Request-Id", "abc");
                      return res;
                    }));
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(
        co_await client->Send(MakeRequest(server.Base() + "/v1/chat?x=1")));
  });
  ASSERT_TRUE(result->ok()) << result->error().message;
  const UpstreamResponse& res = result->value();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, R"({"ok":true})");
  EXPECT_EQ(res.Header("x-request-id"), "abc");
  EXPECT_EQ(res.Header("content-type"), "application/json");
  bool lower = true;
  for (const auto& [name, value] : res.headers) {
    for (char c : name) lower &= !(c >= 'A' && c <= 'Z');
  }
  EXPECT_TRUE(lower);

  EXPECT_EQ(seen.method(), http::verb::post);
  EXPECT_EQ(seen.target(), "/v1/chat?x=1");
  EXPECT_EQ(seen[http::field::host],
            "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen[http::field::user_agent], "across-gateway/0.1");
  EXPECT_EQ(seen[http::field::content_length], "13");
  EXPECT_EQ(seen[http::field::authorization], "Bearer sk-secret");
  EXPECT_EQ(seen.body(), R"({"model":"m"})");
}

TEST_F(HttpClientTest, KeepAliveReusesOneConnection) {
  TestServer server(ioc_,
                    Responder([](const ServerRequest&) { return Ok("pong"); }));
  auto client = NewClient();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto r = co_await client->Send(MakeRequest(server.Base() + "/ping"));
      EXPECT_TRUE(r.ok());
      if (r.ok()) {
        EXPECT_EQ(r->body, "pong");
      }
      EXPECT_EQ(client->IdleConnections(), 1u);
    }
  });
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpClientTest, PoolDisabledAndIdleTtl) {
  TestServer server(ioc_,
                    Responder([](const ServerRequest&) { return Ok("x"); }));
  HttpClientOptions no_pool;
  no_pool.max_idle_per_origin = 0;
  auto a = NewClient(no_pool);
  HttpClientOptions zero_ttl;
  zero_ttl.idle_ttl = 0s;
  auto b = NewClient(zero_ttl);
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE((co_await a->Send(MakeRequest(server.Base()))).ok());
    EXPECT_EQ(a->IdleConnections(), 0u);
    EXPECT_TRUE((co_await b->Send(MakeRequest(server.Base()))).ok());
    co_await Sleep(5ms);
    EXPECT_TRUE((co_await b->Send(MakeRequest(server.Base()))).ok());
  });
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(HttpClientTest, Non2xxBodyReturned) {
  TestServer server(ioc_, Responder([](const ServerRequest&) {
                      ServerResponse res{http::status::too_many_requests, 11};
                      res.set(http::field::retry_after, "2");
                      res.body() = R"({"error":{"message":"slow down"}})";
                      return res;
                    }));
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base())));
  });
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(result->value().status, 429);
  EXPECT_EQ(result->value().Header("retry-after"), "2");
  EXPECT_EQ(result->value().body, R"({"error":{"message":"slow down"}})");
  EXPECT_EQ(client->IdleConnections(), 1u);
}

TEST_F(HttpClientTest, ConnectionRefusedIs502WithoutSecrets) {
  unsigned short port;
  {
    tcp::acceptor probe(ioc_, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(
        "http://127.0.0.1:" + std::to_string(port) + "/v1?key=SECRET")));
  });
  ASSERT_FALSE(result->ok());
  const Error& e = result->error();
  EXPECT_EQ(e.http_status, 502);
  EXPECT_EQ(e.type, "api_error");
  EXPECT_NE(e.message.find("connect failed"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("http://127.0.0.1:"), std::string::npos);
  EXPECT_EQ(e.message.find("SECRET"), std::string::npos);
  EXPECT_EQ(e.message.find("sk-secret"), std::string::npos);
}

TEST_F(HttpClientTest, UnresolvableHostFailsWithinConnectTimeout) {
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  const auto start = Clock::now();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    auto req = MakeRequest("http://no-such-host.invalid/v1");
    req.connect_timeout = 1000ms;
    result.emplace(co_await client->Send(std::move(req)));
  });
  EXPECT_LT(Clock::now() - start, 3s);
  ASSERT_FALSE(result->ok());
  // 502 when the lookup fails fast, 504 when DNS itself hangs.
  const int status = result->error().http_status;
  EXPECT_TRUE(status == 502 || status == 504) << result->error().message;
}

TEST_F(HttpClientTest, ServerThatNeverAnswersTimesOutAtDeadline) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await Sleep(30s);
  });
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  const auto start = Clock::now();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base(), 300ms)));
  });
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 2s);
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 504);
  EXPECT_EQ(result->error().type, "timeout_error");
  EXPECT_NE(result->error().message.find("response headers"), std::string::npos)
      << result->error().message;
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST_F(HttpClientTest, TruncatedUnaryBodyIs502) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await WriteRaw(s, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc");
  });
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base())));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_NE(result->error().message.find("stream truncated"), std::string::npos)
      << result->error().message;
}

// --------------------------------------------------------------------------
// Pool recovery

TEST_F(HttpClientTest, IdleConnectionClosedByServerIsReplaced) {
  // One request per connection, but advertised as keep-alive.
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    co_await ServeHttp(
        s, [](const ServerRequest&) { return Ok("one"); }, 1);
  });
  auto client = NewClient();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE((co_await client->Send(MakeRequest(server.Base()))).ok());
    EXPECT_EQ(client->IdleConnections(), 1u);
    co_await Sleep(50ms);  // let the FIN arrive
    auto r = co_await client->Send(MakeRequest(server.Base()));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  });
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClientTest, ReusedConnectionClosedWithoutResponseIsRetriedOnce) {
  // First connection answers one request, then reads the next and closes
  // without answering (the server's idle close racing our reuse).
  int conn_no = 0;
  TestServer server(ioc_, [&](tcp::socket s) -> asio::awaitable<void> {
    if (++conn_no == 1) {
      co_await ServeHttp(
          s, [](const ServerRequest&) { return Ok("1"); }, 1);
      beast::flat_buffer buf;
      co_await ReadRequest(s, buf);
      co_return;  // closes
    }
    co_await ServeHttp(s, [](const ServerRequest&) { return Ok("2"); });
  });
  auto client = NewClient();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    auto a = co_await client->Send(MakeRequest(server.Base()));
    EXPECT_TRUE(a.ok());
    auto b = co_await client->Send(MakeRequest(server.Base()));
    EXPECT_TRUE(b.ok()) << (b.ok() ? "" : b.error().message);
    if (b.ok()) {
      EXPECT_EQ(b->body, "2");
    }
  });
  EXPECT_EQ(server.connections(), 2);
}

TEST_F(HttpClientTest, FreshConnectionClosedWithoutResponseIsNotRetried) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
  });
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base())));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_EQ(server.connections(), 1);
}

// --------------------------------------------------------------------------
// Streaming

TEST_F(HttpClientTest, StreamingDeliversEachChunkBeforeTheNextIsSent) {
  int observed = 0;  // events the client has seen
  TestServer server(ioc_, [&](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    if (!co_await ReadRequest(s, buf)) co_return;
    co_await WriteRaw(s, kSseHeader);
    for (int i = 0; i < 3; ++i) {
      co_await WriteRaw(s, Chunk("data: " + std::to_string(i) + "\n\n"));
      // Hold the next chunk until the client has seen this one: a buffering
      // client would deadlock here and hit its deadline.
      const auto give_up = Clock::now() + 5s;
      while (observed <= i && Clock::now() < give_up) co_await Sleep(1ms);
    }
    co_await WriteRaw(s, "0\r\n\r\n");
    beast::flat_buffer rest;
    co_await ReadRequest(s, rest);  // keep the connection open for reuse
  });
  auto client = NewClient();
  std::vector<std::string> events;
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    SseParser parser;
    result.emplace(co_await client->SendStreaming(
        MakeRequest(server.Base() + "/v1/chat", 3s),
        [&](std::string_view bytes) -> asio::awaitable<bool> {
          parser.Feed(bytes, [&](const SseEvent& e) {
            events.push_back(e.data);
            ++observed;
            return true;
          });
          co_return true;
        }));
  });
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ(result->value().status, 200);
  EXPECT_EQ(result->value().Header("content-type"), "text/event-stream");
  EXPECT_TRUE(result->value().body.empty());
  EXPECT_EQ(events, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(client->IdleConnections(), 1u);
}

TEST_F(HttpClientTest, StreamingNon2xxReturnsWholeBody) {
  TestServer server(ioc_, Responder([](const ServerRequest&) {
                      ServerResponse res{http::status::bad_request, 11};
                      res.body() = R"({"error":"bad"})";
                      return res;
                    }));
  auto client = NewClient();
  int chunks = 0;
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->SendStreaming(
        MakeRequest(server.Base()),
        [&](std::string_view) -> asio::awaitable<bool> {
          ++chunks;
          co_return true;
        }));
  });
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(result->value().status, 400);
  EXPECT_EQ(result->value().body, R"({"error":"bad"})");
  EXPECT_EQ(chunks, 0);
  EXPECT_EQ(client->IdleConnections(), 1u);
}

TEST_F(HttpClientTest, TruncatedStreamIs502) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await WriteRaw(s, kSseHeader);
    co_await WriteRaw(s, Chunk("data: a\n\n"));
    co_await WriteRaw(s, "10\r\ndata: partial");  // then close mid-chunk
  });
  auto client = NewClient();
  std::string received;
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->SendStreaming(
        MakeRequest(server.Base()),
        [&](std::string_view bytes) -> asio::awaitable<bool> {
          received.append(bytes);
          co_return true;
        }));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_NE(result->error().message.find("stream truncated"), std::string::npos)
      << result->error().message;
  EXPECT_EQ(received.substr(0, 9), "data: a\n\n");
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST_F(HttpClientTest, StreamIdleTimeout) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await WriteRaw(s, kSseHeader);
    co_await WriteRaw(s, Chunk("data: a\n\n"));
    co_await Sleep(30s);
  });
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  const auto start = Clock::now();
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    auto req = MakeRequest(server.Base(), 10s);
    req.idle_timeout = 200ms;
    result.emplace(co_await client->SendStreaming(
        std::move(req),
        [](std::string_view) -> asio::awaitable<bool> { co_return true; }));
  });
  EXPECT_LT(Clock::now() - start, 2s);
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 504);
  EXPECT_NE(result->error().message.find("idle"), std::string::npos)
      << result->error().message;
}

TEST_F(HttpClientTest, StreamHandlerCanStop) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await WriteRaw(s, kSseHeader);
    co_await WriteRaw(s, Chunk("data: a\n\n"));
    co_await Sleep(30s);
  });
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->SendStreaming(
        MakeRequest(server.Base()),
        [](std::string_view) -> asio::awaitable<bool> { co_return false; }));
  });
  ASSERT_TRUE(result->ok());
  EXPECT_EQ(result->value().status, 200);
  EXPECT_EQ(client->IdleConnections(), 0u);
}

// --------------------------------------------------------------------------
// Cancellation

// Spawns `body` bound to `signal`, emits terminal cancellation after `delay`,
// and runs until `body` finishes.
void RunCancelled(asio::io_context& ioc, asio::cancellation_signal& signal,
                  Clock::duration delay,
                  std::function<asio::awaitable<void>()> body) {
  bool done = false;
  std::exception_ptr error;
  asio::co_spawn(
      ioc, std::move(body),
      asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
        error = e;
        done = true;
        ioc.stop();
      }));
  asio::steady_timer timer(ioc, delay);
  timer.async_wait([&](boost::system::error_code ec) {
    if (!ec) signal.emit(asio::cancellation_type::terminal);
  });
  ioc.restart();
  ioc.run_for(20s);
  ASSERT_TRUE(done);
  if (error) std::rethrow_exception(error);
}

TEST_F(HttpClientTest, CancellationWhileWaitingForHeadersIs499) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await Sleep(30s);
  });
  auto client = NewClient();
  asio::cancellation_signal signal;
  std::optional<Result<UpstreamResponse>> result;
  const auto start = Clock::now();
  RunCancelled(ioc_, signal, 100ms, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base(), 10s)));
  });
  EXPECT_LT(Clock::now() - start, 1s);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 499);
  EXPECT_EQ(result->error().type, "api_error");
  EXPECT_EQ(result->error().message, "request cancelled");
  EXPECT_EQ(client->IdleConnections(), 0u);
}

TEST_F(HttpClientTest, CancellationMidStreamIs499) {
  TestServer server(ioc_, [](tcp::socket s) -> asio::awaitable<void> {
    beast::flat_buffer buf;
    co_await ReadRequest(s, buf);
    co_await WriteRaw(s, kSseHeader);
    co_await WriteRaw(s, Chunk("data: a\n\n"));
    co_await Sleep(30s);
  });
  auto client = NewClient();
  asio::cancellation_signal signal;
  int chunks = 0;
  std::optional<Result<UpstreamResponse>> result;
  const auto start = Clock::now();
  RunCancelled(ioc_, signal, 200ms, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->SendStreaming(
        MakeRequest(server.Base(), 10s),
        [&](std::string_view) -> asio::awaitable<bool> {
          ++chunks;
          co_return true;
        }));
  });
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_EQ(chunks, 1);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 499);
  EXPECT_EQ(client->IdleConnections(), 0u);
}

// --------------------------------------------------------------------------
// TLS

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

// A self-signed P-256 certificate valid for DNS:localhost only.
TestCert MakeSelfSignedCert() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("across-test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, key, EVP_sha256());

  auto to_string = [](BIO* bio) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  BIO* cert_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert_bio, x);
  BIO* key_bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(key_bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  TestCert out{to_string(cert_bio), to_string(key_bio)};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

class HttpClientTlsTest : public HttpClientTest {
 protected:
  HttpClientTlsTest()
      : cert_(MakeSelfSignedCert()), server_ctx_(ssl::context::tls_server) {
    server_ctx_.use_certificate_chain(asio::buffer(cert_.cert_pem));
    server_ctx_.use_private_key(asio::buffer(cert_.key_pem), ssl::context::pem);
    trusting_ = HttpClient::MakeSslContext();
    trusting_->add_certificate_authority(asio::buffer(cert_.cert_pem));
  }

  ConnHandler TlsResponder() {
    return [this](tcp::socket s) -> asio::awaitable<void> {
      ssl::stream<tcp::socket> tls(std::move(s), server_ctx_);
      auto [ec] = co_await tls.async_handshake(ssl::stream_base::server, kTok);
      if (ec) co_return;
      co_await ServeHttp(tls,
                         [](const ServerRequest&) { return Ok("secure"); });
    };
  }

  TestCert cert_;
  ssl::context server_ctx_;
  std::unique_ptr<ssl::context> trusting_;
};

TEST_F(HttpClientTlsTest, TrustedCertificateAndPooling) {
  TestServer server(ioc_, TlsResponder());
  HttpClient client(ioc_.get_executor(), *trusting_);
  const std::string url =
      "https://localhost:" + std::to_string(server.port()) + "/v1";
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 2; ++i) {
      auto r = co_await client.Send(MakeRequest(url));
      EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
      if (r.ok()) {
        EXPECT_EQ(r->body, "secure");
      }
    }
  });
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client.IdleConnections(), 1u);
}

TEST_F(HttpClientTlsTest, UntrustedCertificateIs502) {
  TestServer server(ioc_, TlsResponder());
  auto client = NewClient();  // system CA store only
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(
        "https://localhost:" + std::to_string(server.port()) + "/")));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_NE(result->error().message.find("connect failed"), std::string::npos)
      << result->error().message;
  EXPECT_NE(result->error().message.find("certificate"), std::string::npos)
      << result->error().message;
}

TEST_F(HttpClientTlsTest, HostnameMismatchIs502) {
  TestServer server(ioc_, TlsResponder());
  HttpClient client(ioc_.get_executor(), *trusting_);
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    // The certificate names localhost, not 127.0.0.1.
    result.emplace(co_await client.Send(MakeRequest(server.Base("https"))));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_NE(result->error().message.find("connect failed"), std::string::npos)
      << result->error().message;
}

TEST_F(HttpClientTlsTest, InsecureSkipVerify) {
  TestServer server(ioc_, TlsResponder());
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    auto req = MakeRequest(server.Base("https"));
    req.insecure_skip_verify = true;
    result.emplace(co_await client->Send(std::move(req)));
  });
  ASSERT_TRUE(result->ok()) << result->error().message;
  EXPECT_EQ(result->value().body, "secure");
}

TEST_F(HttpClientTlsTest, TlsToPlainServerIs502) {
  TestServer server(
      ioc_, Responder([](const ServerRequest&) { return Ok("plain"); }));
  auto client = NewClient();
  std::optional<Result<UpstreamResponse>> result;
  RunClient(ioc_, [&]() -> asio::awaitable<void> {
    result.emplace(co_await client->Send(MakeRequest(server.Base("https"))));
  });
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 502);
  EXPECT_NE(result->error().message.find("connect failed"), std::string::npos)
      << result->error().message;
}

}  // namespace
}  // namespace across
