// Async HTTP/1.1 client for upstream provider calls: TLS via OpenSSL with the
// system CA store and hostname verification, keep-alive connection pools per
// (scheme, host, port), connect/read timeouts bounded by the request
// deadline, and incremental body delivery for SSE streams.
//
// One HttpClient lives on each worker event loop and is only used from that
// loop's thread, so the pool needs no locks (Envoy's per-worker pool model).
// Cancellation: the awaiting coroutine's cancellation slot (bound by the
// front end at co_spawn) aborts the in-flight operation; the connection is
// then discarded, not returned to the pool.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"

namespace across {

namespace asio = boost::asio;

using Headers = std::vector<std::pair<std::string, std::string>>;

// A parsed absolute URL ("https://api.openai.com/v1").
struct Url {
  bool tls = true;
  std::string host;
  std::string port;    // "443" when absent for https, "80" for http
  std::string target;  // path + query, "/" when empty

  // Parses with Boost.URL; http and https only.
  static Result<Url> Parse(std::string_view url);
  // `base` with `path` appended ("https://h/v1" + "/chat" → "https://h/v1/chat").
  static Result<Url> Join(std::string_view base, std::string_view path);
  // "https://host:port" — for logs (never carries query strings).
  std::string Origin() const;
};

struct UpstreamRequest {
  std::string method = "POST";
  Url url;
  // Sent as given; Host, Content-Length and User-Agent are added.
  Headers headers;
  std::string body;
  // Absolute deadline for the whole exchange.
  Clock::time_point deadline = Clock::time_point::max();
  std::chrono::milliseconds connect_timeout{5000};
  // Longest silence allowed between two body reads of a stream (0 = none).
  std::chrono::milliseconds idle_timeout{0};
  // Do not verify the server certificate (local testing only).
  bool insecure_skip_verify = false;
};

struct UpstreamResponse {
  int status = 0;
  Headers headers;  // names lower-cased
  std::string body;

  // First header with this (lower-case) name, or empty.
  std::string_view Header(std::string_view name) const;
};

// Receives body bytes of a streamed 2xx response as they arrive; returning
// false stops reading (the connection is then closed, not reused).
using BodyChunkHandler = std::function<asio::awaitable<bool>(std::string_view)>;

struct HttpClientOptions {
  // Idle keep-alive connections kept per origin.
  size_t max_idle_per_origin = 64;
  // Idle connections older than this are closed instead of reused.
  std::chrono::seconds idle_ttl{60};
};

class HttpClient {
 public:
  // `ssl` must outlive the client.
  HttpClient(asio::any_io_executor executor, asio::ssl::context& ssl,
             HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request and reads the whole response (any status).
  // Transport failures → Error 502 (api_error) naming the origin; deadline →
  // Error 504 (timeout_error); cancellation → Error 499.
  asio::awaitable<Result<UpstreamResponse>> Send(UpstreamRequest request);

  // Like Send, but a 2xx response body is handed to `on_chunk` piece by piece
  // as it arrives and is not kept in the returned response. Non-2xx bodies are
  // read whole into the response. A connection that closes before the
  // message ends → Error 502 "stream truncated".
  asio::awaitable<Result<UpstreamResponse>> SendStreaming(
      UpstreamRequest request, BodyChunkHandler on_chunk);

  // Idle connections currently pooled (for tests and metrics).
  size_t IdleConnections() const;

  // A TLS client context using the system CA store, TLS 1.2+.
  static std::unique_ptr<asio::ssl::context> MakeSslContext();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace across
