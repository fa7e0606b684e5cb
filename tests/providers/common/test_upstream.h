// Test scaffolding for provider adapters: an in-process Beast HTTP server on
// 127.0.0.1:0 that records every request and answers through a handler
// (raw replies, chunked or SSE bodies split across reads, scripted
// replies), and fixtures that run a provider call through the real
// HttpClient on one io_context.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/common/request_context.h"
#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across::testing {

namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

using ServerRequest = http::request<http::string_body>;
// Writes the whole raw response for one request.
using Handler =
    std::function<asio::awaitable<void>(tcp::socket&, const ServerRequest&)>;

asio::awaitable<void> Sleep(Clock::duration d);
asio::awaitable<void> WriteRaw(tcp::socket& s, std::string data);

// A whole HTTP/1.1 response with a Content-Length.
std::string Response(int status, std::string body,
                     std::string extra_headers = "",
                     std::string content_type = "application/json");
// One chunk of a chunked body.
std::string HttpChunk(std::string_view data);
// `text` cut into pieces of `n` bytes (the last may be shorter).
std::vector<std::string> Pieces(std::string_view text, size_t n);

// Answers every request with `raw`.
Handler Answer(std::string raw);
// A 200 with a chunked `content_type` body, one HTTP chunk per piece with
// `pause` after each (so they arrive as separate reads); `cut` closes the
// connection instead of ending the body.
Handler Chunked(std::string content_type, std::vector<std::string> pieces,
                bool cut = false,
                Clock::duration pause = std::chrono::milliseconds(2));
// Chunked text/event-stream.
Handler Sse(std::vector<std::string> pieces, bool cut = false,
            Clock::duration pause = std::chrono::milliseconds(2));

// Accepts connections on 127.0.0.1:0 and answers each request with the
// handler; keeps every request it saw.
class Server {
 public:
  Server(asio::io_context& ioc, Handler handler);

  // "http://127.0.0.1:<port>".
  std::string Origin() const;

  std::vector<ServerRequest> requests;

 private:
  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(tcp::socket sock);

  tcp::acceptor acceptor_;
  Handler handler_;
};

// One scripted answer.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string extra_headers;  // "name: value\r\n" lines
  std::string body;
  // Non-empty: a chunked reply, one chunk per piece.
  std::vector<std::string> sse_pieces;

  static Reply Json(int status, std::string body, std::string extra = "");
  // Splits an SSE transcript into its events ("\n\n"-terminated), one
  // HTTP chunk each, so they arrive as separate reads.
  static Reply Sse(const std::string& transcript);
};

// A Server answering each request with the next scripted Reply (a 500 when
// none is left).
class LocalUpstream {
 public:
  explicit LocalUpstream(asio::io_context& ioc);

  std::string Origin() const { return server_.Origin(); }
  void Push(Reply r) { replies_.push_back(std::move(r)); }
  Server& server() { return server_; }

 private:
  asio::awaitable<void> Answer(tcp::socket& s);

  std::deque<Reply> replies_;
  Server server_;

 public:
  std::vector<ServerRequest>& requests = server_.requests;
};

// Collects streamed chunks; refuses any after the first `accept` when that
// is not negative.
class RecordingSink : public ChunkSink {
 public:
  explicit RecordingSink(int accept = -1) : accept_(accept) {}
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override;

  std::vector<v1::ChatChunk> chunks;

 private:
  int accept_;
};

// Owns the loop, the HttpClient (in ctx_.http) and the test servers.
class UpstreamTest : public ::testing::Test {
 protected:
  UpstreamTest();

  // Starts a server answering with `handler`; it becomes server_. Earlier
  // servers stay alive: their coroutines may still be suspended.
  void Serve(Handler handler);

  // Runs `fn` (returning an awaitable<T>) to completion; the servers' loops
  // never end by themselves.
  template <typename T, typename Fn>
  T Run(Fn fn) {
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

  // The value of header `name` in the i-th request server_ saw, or "".
  std::string Header(size_t i, std::string_view name) const;

  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ssl_;
  HttpClient client_;
  RequestContext ctx_;
  std::vector<std::unique_ptr<Server>> servers_;
  Server* server_ = nullptr;
};

// UpstreamTest with one scripted upstream (server_ is its server).
class ProviderTest : public UpstreamTest {
 protected:
  ProviderTest() : upstream_(ioc_) { server_ = &upstream_.server(); }

  LocalUpstream upstream_;
};

}  // namespace across::testing
