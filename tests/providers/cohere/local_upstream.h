// A scripted upstream for provider tests: a Beast server on 127.0.0.1:0
// that records every request and answers each with the next scripted raw
// reply (status line, headers, body; SSE bodies in chunks), plus a fixture
// that runs a provider call through the real HttpClient on one io_context.
#pragma once

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
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/upstream/http_client.h"
#include "providers/provider.h"

namespace across::testing {

namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// One scripted answer.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string extra_headers;  // "name: value\r\n" lines
  std::string body;
  // Non-empty: a chunked text/event-stream reply, one chunk per piece.
  std::vector<std::string> sse_pieces;

  static Reply Json(int status, std::string body, std::string extra = "") {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    r.extra_headers = std::move(extra);
    return r;
  }
  // Splits an SSE transcript into its events ("\n\n"-terminated), one
  // HTTP chunk each, so they arrive as separate reads.
  static Reply Sse(const std::string& transcript) {
    Reply r;
    r.content_type = "text/event-stream";
    size_t start = 0;
    while (start < transcript.size()) {
      size_t end = transcript.find("\n\n", start);
      end = end == std::string::npos ? transcript.size() : end + 2;
      r.sse_pieces.push_back(transcript.substr(start, end - start));
      start = end;
    }
    return r;
  }
};

class LocalUpstream {
 public:
  explicit LocalUpstream(asio::io_context& ioc)
      : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(ioc, Accept(), asio::detached);
  }

  std::string Origin() const {
    return "http://127.0.0.1:" +
           std::to_string(acceptor_.local_endpoint().port());
  }
  void Push(Reply r) { replies_.push_back(std::move(r)); }

  std::vector<http::request<http::string_body>> requests;

 private:
  static constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, sock] = co_await acceptor_.async_accept(kTok);
      if (ec) co_return;
      asio::co_spawn(acceptor_.get_executor(), Serve(std::move(sock)),
                     asio::detached);
    }
  }

  asio::awaitable<void> Write(tcp::socket& s, std::string data) {
    co_await asio::async_write(s, asio::buffer(data), kTok);
  }

  asio::awaitable<void> Serve(tcp::socket sock) {
    boost::beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(sock, buf, req, kTok);
      if (ec) co_return;
      requests.push_back(req);
      Reply r;
      if (!replies_.empty()) {
        r = std::move(replies_.front());
        replies_.pop_front();
      } else {
        r = Reply::Json(500, R"({"message":"no scripted reply"})");
      }
      std::string head = "HTTP/1.1 " + std::to_string(r.status) +
                         " X\r\nContent-Type: " + r.content_type + "\r\n" +
                         r.extra_headers;
      if (r.sse_pieces.empty()) {
        co_await Write(
            sock, head + "Content-Length: " + std::to_string(r.body.size()) +
                      "\r\n\r\n" + r.body);
        continue;
      }
      co_await Write(sock, head + "Transfer-Encoding: chunked\r\n\r\n");
      for (const auto& piece : r.sse_pieces) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        co_await Write(sock, std::string(size) + piece + "\r\n");
        asio::steady_timer t(sock.get_executor(), std::chrono::milliseconds(1));
        co_await t.async_wait(kTok);
      }
      co_await Write(sock, "0\r\n\r\n");
    }
  }

  tcp::acceptor acceptor_;
  std::deque<Reply> replies_;
};

// Collects streamed chunks.
class RecordingSink : public ChunkSink {
 public:
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    chunks.push_back(std::move(chunk));
    co_return true;
  }
  std::vector<v1::ChatChunk> chunks;
};

// Owns the loop, the HttpClient, the upstream and a RequestContext.
class ProviderTest : public ::testing::Test {
 protected:
  ProviderTest()
      : ssl_(HttpClient::MakeSslContext()),
        client_(ioc_.get_executor(), *ssl_),
        upstream_(ioc_) {
    ctx_.http = &client_;
  }

  // Runs `fn` (returning an awaitable<T>) to completion.
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

  // The value of request `i`'s header `name`, or "".
  std::string Header(size_t i, std::string_view name) const {
    const auto& req = upstream_.requests.at(i);
    auto it = req.find(boost::beast::string_view(name.data(), name.size()));
    return it == req.end() ? std::string() : std::string(it->value());
  }

  asio::io_context ioc_;
  std::unique_ptr<asio::ssl::context> ssl_;
  HttpClient client_;
  LocalUpstream upstream_;
  RequestContext ctx_;
};

}  // namespace across::testing
