#include "tests/mock_upstream/conn.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/status.hpp>
#include <charconv>

#include "tests/mock_upstream/json_out.h"

namespace across::mock {
namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

std::string_view Reason(int status) {
  std::string_view r = boost::beast::http::obsolete_reason(
      static_cast<boost::beast::http::status>(status));
  if (r.empty() || r.front() == '<') return "Unknown";
  return r;
}

}  // namespace

Conn::Conn(tcp::socket socket)
    : socket_(std::move(socket)), timer_(socket_.get_executor()) {
  head_.reserve(512);
}

Conn::~Conn() {
  boost::system::error_code ec;
  socket_.close(ec);
}

void Conn::BeginRequest(unsigned http_version, bool keep_alive, uint64_t seq) {
  http_version_ = http_version;
  keep_alive_ = keep_alive;
  chunked_ = false;
  watch_peer_ = true;
  seq_ = seq;
}

void Conn::FormatHead(int status, std::string_view content_type,
                      int64_t content_length, std::span<const Header> extra) {
  head_.clear();
  head_.append(http_version_ == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  AppendInt(head_, status);
  head_.push_back(' ');
  head_.append(Reason(status));
  head_.append("\r\ncontent-type: ");
  head_.append(content_type);
  if (content_length >= 0) {
    head_.append("\r\ncontent-length: ");
    AppendInt(head_, content_length);
  } else if (http_version_ >= 11) {
    chunked_ = true;
    head_.append("\r\ntransfer-encoding: chunked");
  } else {
    keep_alive_ = false;  // HTTP/1.0: the body ends when the connection does
  }
  head_.append("\r\nx-request-id: req_mock_");
  AppendInt(head_, static_cast<int64_t>(seq_));
  for (const Header& h : extra) {
    head_.append("\r\n");
    head_.append(h.name);
    head_.append(": ");
    head_.append(h.value);
  }
  if (!keep_alive_) {
    head_.append("\r\nconnection: close");
  } else if (http_version_ == 10) {
    head_.append("\r\nconnection: keep-alive");
  }
  head_.append("\r\n\r\n");
}

asio::awaitable<bool> Conn::Write(std::span<const asio::const_buffer> buffers) {
  if (!open_) co_return false;
  auto [ec, n] = co_await asio::async_write(socket_, buffers, kUse);
  if (ec) {
    Reset();
    co_return false;
  }
  co_return true;
}

asio::awaitable<bool> Conn::Send(int status, std::string_view content_type,
                                 std::string_view body,
                                 std::span<const Header> extra) {
  FormatHead(status, content_type, static_cast<int64_t>(body.size()), extra);
  const std::array<asio::const_buffer, 2> bufs = {
      asio::buffer(head_), asio::buffer(body.data(), body.size())};
  co_return co_await Write(bufs);
}

asio::awaitable<bool> Conn::SendHead(int status, std::string_view content_type,
                                     int64_t content_length,
                                     std::span<const Header> extra) {
  FormatHead(status, content_type, content_length, extra);
  const std::array<asio::const_buffer, 1> bufs = {asio::buffer(head_)};
  co_return co_await Write(bufs);
}

asio::awaitable<bool> Conn::SendRaw(std::string_view bytes) {
  const std::array<asio::const_buffer, 1> bufs = {
      asio::buffer(bytes.data(), bytes.size())};
  co_return co_await Write(bufs);
}

asio::awaitable<bool> Conn::SendChunk(std::string_view data) {
  if (data.empty()) co_return true;  // an empty chunk would end the body
  if (!chunked_) co_return co_await SendRaw(data);
  char size[20];
  char* end = std::to_chars(size, size + 16, data.size(), 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  const std::array<asio::const_buffer, 3> bufs = {
      asio::buffer(size, static_cast<size_t>(end - size)),
      asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)};
  co_return co_await Write(bufs);
}

asio::awaitable<bool> Conn::EndChunks() {
  if (!chunked_) co_return true;
  co_return co_await SendRaw("0\r\n\r\n");
}

asio::awaitable<bool> Conn::Sleep(std::chrono::milliseconds duration) {
  using asio::experimental::awaitable_operators::operator||;
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (open_) {
    timer_.expires_at(deadline);
    if (!watch_peer_) {
      co_await timer_.async_wait(kUse);
      break;
    }
    auto which = co_await (timer_.async_wait(kUse) ||
                           socket_.async_wait(tcp::socket::wait_read, kUse));
    if (which.index() == 0) break;  // slept the whole time
    // Readable: EOF or an error means the peer is gone; bytes mean a
    // pipelined request, which stays queued for after this response.
    char byte;
    boost::system::error_code ec;
    const size_t n =
        socket_.receive(asio::buffer(&byte, 1), tcp::socket::message_peek, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      continue;
    }
    if (ec || n == 0) {
      Close();
      co_return false;
    }
    watch_peer_ = false;
  }
  co_return open_;
}

void Conn::Reset() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  socket_.set_option(asio::socket_base::linger(true, 0), ec);
  socket_.close(ec);
}

void Conn::Close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  socket_.close(ec);
}

}  // namespace across::mock
