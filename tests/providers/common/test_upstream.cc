#include "tests/providers/common/test_upstream.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <cstdio>
#include <utility>

namespace across::testing {
namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

}  // namespace

asio::awaitable<void> Sleep(Clock::duration d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(kTok);
}

asio::awaitable<void> WriteRaw(tcp::socket& s, std::string data) {
  co_await asio::async_write(s, asio::buffer(data), kTok);
}

std::string Response(int status, std::string body, std::string extra_headers,
                     std::string content_type) {
  return "HTTP/1.1 " + std::to_string(status) +
         " X\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
}

std::string HttpChunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

std::vector<std::string> Pieces(std::string_view text, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size(); i += n) {
    out.emplace_back(text.substr(i, n));
  }
  return out;
}

Handler Answer(std::string raw) {
  return [raw](tcp::socket& s, const ServerRequest&) -> asio::awaitable<void> {
    co_await WriteRaw(s, raw);
  };
}

Handler Chunked(std::string content_type, std::vector<std::string> pieces,
                bool cut, Clock::duration pause) {
  return [content_type, pieces, cut, pause](
             tcp::socket& s, const ServerRequest&) -> asio::awaitable<void> {
    co_await WriteRaw(s, "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
                             "\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (const auto& p : pieces) {
      co_await WriteRaw(s, HttpChunk(p));
      co_await Sleep(pause);
    }
    if (cut) {
      s.close();
      co_return;
    }
    co_await WriteRaw(s, "0\r\n\r\n");
  };
}

Handler Sse(std::vector<std::string> pieces, bool cut, Clock::duration pause) {
  return Chunked("text/event-stream", std::move(pieces), cut, pause);
}

Server::Server(asio::io_context& ioc, Handler handler)
    : acceptor_(ioc, {asio::ip::make_address("127.0.0.1"), 0}),
      handler_(std::move(handler)) {
  asio::co_spawn(ioc, Accept(), asio::detached);
}

std::string Server::Origin() const {
  return "http://127.0.0.1:" +
         std::to_string(acceptor_.local_endpoint().port());
}

asio::awaitable<void> Server::Accept() {
  for (;;) {
    auto [ec, sock] = co_await acceptor_.async_accept(kTok);
    if (ec) co_return;
    asio::co_spawn(acceptor_.get_executor(), Serve(std::move(sock)),
                   asio::detached);
  }
}

asio::awaitable<void> Server::Serve(tcp::socket sock) {
  boost::beast::flat_buffer buf;
  for (;;) {
    ServerRequest req;
    auto [ec, n] = co_await http::async_read(sock, buf, req, kTok);
    if (ec) co_return;
    requests.push_back(req);
    co_await handler_(sock, req);
    if (!sock.is_open()) co_return;
  }
}

Reply Reply::Json(int status, std::string body, std::string extra) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.extra_headers = std::move(extra);
  return r;
}

Reply Reply::Sse(const std::string& transcript) {
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

LocalUpstream::LocalUpstream(asio::io_context& ioc)
    : server_(ioc, [this](tcp::socket& s, const ServerRequest&) {
        return Answer(s);
      }) {}

asio::awaitable<void> LocalUpstream::Answer(tcp::socket& s) {
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
    co_await WriteRaw(
        s, head + "Content-Length: " + std::to_string(r.body.size()) +
               "\r\n\r\n" + r.body);
    co_return;
  }
  co_await WriteRaw(s, head + "Transfer-Encoding: chunked\r\n\r\n");
  for (const auto& piece : r.sse_pieces) {
    co_await WriteRaw(s, HttpChunk(piece));
    co_await Sleep(std::chrono::milliseconds(1));
  }
  co_await WriteRaw(s, "0\r\n\r\n");
}

asio::awaitable<bool> RecordingSink::Write(v1::ChatChunk chunk) {
  if (accept_ >= 0 && static_cast<int>(chunks.size()) >= accept_) {
    co_return false;
  }
  chunks.push_back(std::move(chunk));
  co_return true;
}

UpstreamTest::UpstreamTest()
    : ssl_(HttpClient::MakeSslContext()), client_(ioc_.get_executor(), *ssl_) {
  ctx_.http = &client_;
}

void UpstreamTest::Serve(Handler handler) {
  servers_.push_back(std::make_unique<Server>(ioc_, std::move(handler)));
  server_ = servers_.back().get();
}

std::string UpstreamTest::Header(size_t i, std::string_view name) const {
  const auto& req = server_->requests.at(i);
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

}  // namespace across::testing
