// The write side of one accepted TCP connection: raw HTTP/1.1 response
// framing (fixed-length and chunked bodies), abrupt resets, clean closes and
// timer sleeps. Responses are framed by hand rather than through Beast's
// serializer so that fault injection can break the framing on purpose
// (short bodies, missing terminating chunk, RST mid-message).
//
// One Conn lives in its session coroutine and is used from that coroutine
// only. Its buffers are reused across the requests of a keep-alive
// connection, so a warmed-up connection serves without allocating.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tests/mock_upstream/event_list.h"

namespace across::mock {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Header {
  std::string_view name;
  std::string_view value;
};

// Per-connection buffers that dialects may use freely while serving one
// request (all cleared by the dialect before use).
struct Scratch {
  std::string body;
  std::string text;
  std::string content;
  std::string prefix;
  EventList events;
};

class Conn {
 public:
  explicit Conn(tcp::socket socket);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  tcp::socket& socket() { return socket_; }
  bool is_open() const { return open_; }
  Scratch& scratch() { return scratch_; }

  // Per-request state, set by the server before a handler runs.
  void BeginRequest(unsigned http_version, bool keep_alive, uint64_t seq);
  bool keep_alive() const { return keep_alive_; }
  void set_keep_alive(bool keep_alive) { keep_alive_ = keep_alive; }

  // A complete response with a Content-Length body. Returns false when the
  // connection failed (it is then closed).
  asio::awaitable<bool> Send(int status, std::string_view content_type,
                             std::string_view body,
                             std::span<const Header> extra = {});

  // Status line and headers only. `content_length` < 0 selects a chunked
  // body (or, for an HTTP/1.0 client, a body delimited by closing).
  asio::awaitable<bool> SendHead(int status, std::string_view content_type,
                                 int64_t content_length,
                                 std::span<const Header> extra = {});
  // Bytes as they are (e.g. a deliberately broken body).
  asio::awaitable<bool> SendRaw(std::string_view bytes);
  // One chunk of a chunked body, written (and, with TCP_NODELAY, sent) on its
  // own.
  asio::awaitable<bool> SendChunk(std::string_view data);
  // The terminating zero-length chunk.
  asio::awaitable<bool> EndChunks();

  // Waits `duration`, watching the socket meanwhile: returns false early
  // (and closes the connection) when the peer disconnects, as a real server
  // notices a client that gave up. Pipelined request bytes are left alone.
  asio::awaitable<bool> Sleep(std::chrono::milliseconds duration);

  // Abortive close: SO_LINGER 0, then close, so the peer sees a TCP RST.
  void Reset();
  // Orderly close: FIN after everything written so far.
  void Close();

 private:
  void FormatHead(int status, std::string_view content_type,
                  int64_t content_length, std::span<const Header> extra);
  asio::awaitable<bool> Write(std::span<const asio::const_buffer> buffers);

  tcp::socket socket_;
  asio::steady_timer timer_;
  bool open_ = true;
  unsigned http_version_ = 11;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool watch_peer_ = true;
  uint64_t seq_ = 0;
  std::string head_;
  Scratch scratch_;
};

}  // namespace across::mock
