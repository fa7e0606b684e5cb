#include "gateway/upstream/http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <optional>
#include <tuple>
#include <unordered_map>

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace urls = boost::urls;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Errors come back as values so each failure maps to the right Error without
// exception unwinding on the hot path.
constexpr auto kTok = asio::as_tuple(asio::use_awaitable);

constexpr std::string_view kUserAgent = "across-gateway/0.1";
constexpr std::uint64_t kMaxBody = std::uint64_t{64} << 20;
constexpr std::uint32_t kMaxHeader = 64u << 10;
constexpr size_t kChunkSize = 16u << 10;

using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Request = http::request<http::string_body>;

struct Connection {
  // Room for a whole typical response per read: Beast sizes each read by the
  // buffer's free capacity (512 bytes by default), and a streamed answer
  // would otherwise take dozens of reads.
  Connection() { buffer.reserve(16 * 1024); }

  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> tls;
  // Kept with the connection so its allocation is reused across requests.
  beast::flat_buffer buffer;
  // Scratch for streamed body pieces, allocated on first stream.
  std::unique_ptr<char[]> chunk;
  Clock::time_point idle_since;

  beast::tcp_stream& tcp() { return tls ? tls->next_layer() : *plain; }
};

enum class Phase { kConnect, kHeaders, kBody };

Error Cancelled() {
  Error e;
  e.http_status = 499;
  e.type = "api_error";
  e.message = "request cancelled";
  return e;
}

bool IsHttpCategory(const error_code& ec) {
  return ec.category() ==
         http::make_error_code(http::error::end_of_stream).category();
}

Error TransportError(const std::string& origin, Phase phase,
                     const error_code& ec) {
  if (ec == asio::error::operation_aborted) return Cancelled();
  const std::string prefix = "upstream " + origin + ": ";
  if (ec == beast::error::timeout) {
    switch (phase) {
      case Phase::kConnect:
        return Error::Timeout(prefix + "connect timed out");
      case Phase::kHeaders:
        return Error::Timeout(prefix +
                              "timed out waiting for response headers");
      case Phase::kBody:
        return Error::Timeout(prefix + "timed out reading response body");
    }
  }
  switch (phase) {
    case Phase::kConnect:
      return Error::Unavailable(prefix + "connect failed: " + ec.message());
    case Phase::kHeaders:
      if (ec == http::error::header_limit) {
        return Error::Unavailable(prefix + "response headers too large");
      }
      return Error::Unavailable(prefix + "request failed: " + ec.message());
    case Phase::kBody:
      break;
  }
  if (ec == http::error::body_limit) {
    return Error::Unavailable(prefix + "response body too large");
  }
  if (ec == http::error::partial_message || ec == http::error::end_of_stream ||
      ec == asio::error::eof) {
    return Error::Unavailable(prefix + "stream truncated");
  }
  if (IsHttpCategory(ec)) {
    return Error::Unavailable(prefix + "bad response: " + ec.message());
  }
  return Error::Unavailable(prefix + "stream truncated: " + ec.message());
}

// Only transport failures may be retried; a timeout or cancellation must not
// start a second attempt.
bool RetryableError(const error_code& ec) {
  return ec != asio::error::operation_aborted && ec != beast::error::timeout;
}

void ExpireAt(beast::tcp_stream& s, Clock::time_point t) {
  if (t == Clock::time_point::max()) {
    s.expires_never();
  } else {
    s.expires_at(t);
  }
}

// TLS servers often close without close_notify; for a body delimited by
// connection close that is the normal end of the message.
template <class Parser>
void AcceptTlsEof(Parser& p, error_code& ec) {
  if (ec == ssl::error::stream_truncated && p.is_header_done() &&
      p.need_eof()) {
    ec = {};
    p.put_eof(ec);
  }
}

void AsciiLower(std::string& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

template <class Fields>
void CopyHeaders(const http::response_header<Fields>& h,
                 UpstreamResponse& out) {
  out.status = static_cast<int>(h.result_int());
  for (const auto& f : h) {
    std::string name(f.name_string());
    AsciiLower(name);
    out.headers.emplace_back(std::move(name), std::string(f.value()));
  }
}

bool IsDefaultPort(const Url& url) {
  return url.port == (url.tls ? "443" : "80");
}

// IPv6 literals need brackets in Host headers and origins.
void AppendHost(std::string& out, const std::string& host) {
  if (host.find(':') != std::string::npos) {
    out += '[';
    out += host;
    out += ']';
  } else {
    out += host;
  }
}

// Framing headers are ours to set; a caller's copy could desync the stream.
bool IsReservedHeader(std::string_view name) {
  return beast::iequals(name, "host") ||
         beast::iequals(name, "content-length") ||
         beast::iequals(name, "transfer-encoding") ||
         beast::iequals(name, "connection");
}

Request BuildRequest(UpstreamRequest& req) {
  Request msg;
  const http::verb verb = http::string_to_verb(req.method);
  if (verb == http::verb::unknown) {
    msg.method_string(req.method);
  } else {
    msg.method(verb);
  }
  msg.target(req.url.target);
  msg.version(11);
  for (const auto& [name, value] : req.headers) {
    if (!IsReservedHeader(name)) msg.insert(name, value);
  }
  std::string host;
  AppendHost(host, req.url.host);
  if (!IsDefaultPort(req.url)) {
    host += ':';
    host += req.url.port;
  }
  msg.set(http::field::host, host);
  if (msg.find(http::field::user_agent) == msg.end()) {
    msg.set(http::field::user_agent, kUserAgent);
  }
  msg.keep_alive(true);
  msg.body() = std::move(req.body);  // moved, never copied
  msg.prepare_payload();
  return msg;
}

// Cheap liveness probe for a pooled connection: a server that closed it while
// idle has left a FIN (recv returns 0) or an error queued.
bool LooksAlive(Connection& c) {
  if (c.buffer.size() != 0) return false;  // unsolicited bytes
  char byte;
  const ssize_t n = ::recv(c.tcp().socket().native_handle(), &byte, 1,
                           MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) return false;
  // Plain HTTP must be silent while idle; TLS may legitimately have
  // post-handshake records (session tickets) waiting.
  if (n > 0) return c.tls.has_value();
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// DNS lookup state shared with the resolver's completion handler, which may
// outlive the awaiting coroutine (getaddrinfo cannot be interrupted).
struct ResolveOp {
  explicit ResolveOp(const asio::any_io_executor& ex)
      : resolver(ex), wake(ex) {}
  tcp::resolver resolver;
  asio::steady_timer wake;
  error_code ec;
  tcp::resolver::results_type results;
  bool done = false;
};

// Outcome of one attempt on one connection.
struct Attempt {
  std::optional<Error> error;
  UpstreamResponse response;
  bool reusable = false;   // message read completely and keep-alive
  bool retryable = false;  // failed before any response byte arrived
};

}  // namespace

// ---------------------------------------------------------------------------
// Url

Result<Url> Url::Parse(std::string_view text) {
  // Messages never echo the URL: its query may carry an API key.
  auto parsed = urls::parse_uri(urls::string_view(text.data(), text.size()));
  if (!parsed) {
    return Error::InvalidRequest("invalid URL: " + parsed.error().message());
  }
  const urls::url_view& u = *parsed;
  Url url;
  switch (u.scheme_id()) {
    case urls::scheme::https:
      url.tls = true;
      break;
    case urls::scheme::http:
      url.tls = false;
      break;
    default:
      return Error::InvalidRequest("unsupported URL scheme \"" +
                                   std::string(u.scheme()) +
                                   "\" (want http or https)");
  }
  if (u.has_userinfo()) {
    return Error::InvalidRequest("URL userinfo is not supported");
  }
  switch (u.host_type()) {
    case urls::host_type::name:
    case urls::host_type::ipv4:
    case urls::host_type::ipv6:
      break;
    default:
      return Error::InvalidRequest("URL has no usable host");
  }
  url.host = u.host_address();
  if (url.host.empty()) return Error::InvalidRequest("URL has no host");
  AsciiLower(url.host);  // one pool per host, whatever its spelling
  if (u.has_port() && !u.port().empty()) {
    // port_number() wraps out-of-range values, so check by hand.
    const auto text_port = u.port();
    unsigned port = 0;
    const char* end = text_port.data() + text_port.size();
    auto [ptr, ec] = std::from_chars(text_port.data(), end, port);
    if (ec != std::errc() || ptr != end || port == 0 || port > 65535) {
      return Error::InvalidRequest("URL has an invalid port");
    }
    url.port = std::to_string(port);
  } else {
    url.port = url.tls ? "443" : "80";
  }
  const auto path = u.encoded_path();
  url.target.assign(path.data(), path.size());
  if (url.target.empty()) url.target = "/";
  if (u.has_query()) {
    const auto query = u.encoded_query();
    url.target += '?';
    url.target.append(query.data(), query.size());
  }
  return url;
}

Result<Url> Url::Join(std::string_view base, std::string_view path) {
  Result<Url> parsed = Parse(base);
  if (!parsed.ok() || path.empty()) return parsed;
  const Url& b = *parsed;

  std::string_view base_path = b.target;
  std::string_view base_query;
  if (size_t q = base_path.find('?'); q != std::string_view::npos) {
    base_query = base_path.substr(q + 1);
    base_path = base_path.substr(0, q);
  }
  std::string_view add_path = path;
  std::string_view add_query;
  if (size_t q = add_path.find('?'); q != std::string_view::npos) {
    add_query = add_path.substr(q + 1);
    add_path = add_path.substr(0, q);
  }
  while (!base_path.empty() && base_path.back() == '/') {
    base_path.remove_suffix(1);
  }

  std::string full = b.Origin();
  full.reserve(full.size() + base.size() + path.size() + 2);
  full += base_path;
  if (add_path.empty() || add_path.front() != '/') full += '/';
  full += add_path;
  if (!base_query.empty() || !add_query.empty()) {
    full += '?';
    full += base_query;
    if (!base_query.empty() && !add_query.empty()) full += '&';
    full += add_query;
  }
  // Re-parsing validates the joined path (e.g. a model name with spaces).
  return Parse(full);
}

std::string Url::Origin() const {
  std::string out = tls ? "https://" : "http://";
  AppendHost(out, host);
  out += ':';
  out += port;
  return out;
}

std::string_view UpstreamResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

// ---------------------------------------------------------------------------
// HttpClient::Impl

class HttpClient::Impl {
 public:
  Impl(asio::any_io_executor executor, ssl::context& ssl,
       HttpClientOptions options)
      : executor_(std::move(executor)), ssl_(ssl), options_(options) {}

  asio::awaitable<Result<UpstreamResponse>> Run(
      UpstreamRequest& req, const BodyChunkHandler* on_chunk);

  size_t IdleConnections() const {
    size_t n = 0;
    for (const auto& [origin, stack] : idle_) n += stack.size();
    return n;
  }

 private:
  using Stack = std::vector<std::unique_ptr<Connection>>;

  std::unique_ptr<Connection> TakeIdle(const std::string& origin);
  void Release(const std::string& origin, std::unique_ptr<Connection> conn);
  bool Expired(const Connection& c, Clock::time_point now) const {
    return now - c.idle_since > options_.idle_ttl;
  }

  asio::awaitable<Result<std::unique_ptr<Connection>>> Connect(
      const UpstreamRequest& req, const std::string& origin);

  template <class Stream>
  asio::awaitable<Attempt> Exchange(Stream& stream, Connection& conn,
                                    Request& msg, const UpstreamRequest& req,
                                    const BodyChunkHandler* on_chunk,
                                    const std::string& origin);

  asio::any_io_executor executor_;
  ssl::context& ssl_;
  HttpClientOptions options_;
  // Per-origin LIFO stacks: the most recently used connection is the one
  // most likely still open on the server side.
  std::unordered_map<std::string, Stack> idle_;
};

std::unique_ptr<Connection> HttpClient::Impl::TakeIdle(
    const std::string& origin) {
  auto it = idle_.find(origin);
  if (it == idle_.end()) return nullptr;
  Stack& stack = it->second;
  const Clock::time_point now = Clock::now();
  while (!stack.empty()) {
    std::unique_ptr<Connection> conn = std::move(stack.back());
    stack.pop_back();
    if (Expired(*conn, now)) {
      stack.clear();  // everything below is older still
      break;
    }
    if (LooksAlive(*conn)) return conn;
  }
  return nullptr;
}

void HttpClient::Impl::Release(const std::string& origin,
                               std::unique_ptr<Connection> conn) {
  if (options_.max_idle_per_origin == 0) return;
  Stack& stack = idle_[origin];
  const Clock::time_point now = Clock::now();
  // Sweep expired connections from the bottom so they do not hold sockets
  // until the next request.
  size_t expired = 0;
  while (expired < stack.size() && Expired(*stack[expired], now)) ++expired;
  if (stack.size() - expired >= options_.max_idle_per_origin) {
    expired = stack.size() - options_.max_idle_per_origin + 1;
  }
  stack.erase(stack.begin(),
              stack.begin() + static_cast<std::ptrdiff_t>(expired));
  conn->idle_since = now;
  stack.push_back(std::move(conn));
}

asio::awaitable<Result<std::unique_ptr<Connection>>> HttpClient::Impl::Connect(
    const UpstreamRequest& req, const std::string& origin) {
  const Url& url = req.url;
  Clock::time_point deadline = req.deadline;
  if (req.connect_timeout.count() > 0) {
    deadline = std::min(deadline, Clock::now() + req.connect_timeout);
  }
  std::uint16_t port = 0;
  {
    const char* end = url.port.data() + url.port.size();
    auto [ptr, ec] = std::from_chars(url.port.data(), end, port);
    if (ec != std::errc() || ptr != end || port == 0) {
      co_return Error::Unavailable("upstream " + origin +
                                   ": connect failed: invalid port");
    }
  }

  beast::tcp_stream stream(executor_);
  ExpireAt(stream, deadline);
  error_code ec;
  const asio::ip::address ip = asio::ip::make_address(url.host, ec);
  const bool is_ip = !ec;
  if (is_ip) {
    // Literal address: skip the resolver's thread hop.
    std::tie(ec) = co_await stream.async_connect(tcp::endpoint(ip, port), kTok);
  } else {
    // getaddrinfo runs on asio's resolver thread and cannot be cancelled, so
    // wait on a timer instead: it bounds the lookup by the connect deadline
    // and carries the coroutine's cancellation.
    auto op = std::make_shared<ResolveOp>(executor_);
    op->wake.expires_at(deadline);
    op->resolver.async_resolve(
        url.host, url.port, tcp::resolver::numeric_service,
        [op](error_code rec, tcp::resolver::results_type results) {
          op->ec = rec;
          op->results = std::move(results);
          op->done = true;
          op->wake.cancel();
        });
    auto [wait_ec] = co_await op->wake.async_wait(kTok);
    if (!op->done) {
      op->resolver.cancel();
      if (wait_ec == asio::error::operation_aborted) co_return Cancelled();
      co_return Error::Timeout("upstream " + origin +
                               ": connect timed out (DNS)");
    }
    if (op->ec) co_return TransportError(origin, Phase::kConnect, op->ec);
    std::tie(ec, std::ignore) =
        co_await stream.async_connect(op->results, kTok);
  }
  if (ec) co_return TransportError(origin, Phase::kConnect, ec);
  stream.socket().set_option(tcp::no_delay(true), ec);

  auto conn = std::make_unique<Connection>();
  if (!url.tls) {
    conn->plain.emplace(std::move(stream));
    co_return conn;
  }

  conn->tls.emplace(std::move(stream), ssl_);
  TlsStream& tls = *conn->tls;
  // SNI must not carry an IP literal (RFC 6066).
  if (!is_ip &&
      !SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str())) {
    co_return Error::Unavailable("upstream " + origin +
                                 ": connect failed: cannot set SNI");
  }
  if (req.insecure_skip_verify) {
    tls.set_verify_mode(ssl::verify_none);
  } else {
    tls.set_verify_mode(ssl::verify_peer);
    tls.set_verify_callback(ssl::host_name_verification(url.host));
  }
  // The handshake is part of connecting: still bounded by `deadline`.
  auto [hs_ec] = co_await tls.async_handshake(ssl::stream_base::client, kTok);
  if (hs_ec) {
    Error e = TransportError(origin, Phase::kConnect, hs_ec);
    const long verify = SSL_get_verify_result(tls.native_handle());
    if (e.http_status == 502 && verify != X509_V_OK) {
      e.message += " (";
      e.message += X509_verify_cert_error_string(verify);
      e.message += ')';
    }
    co_return e;
  }
  co_return conn;
}

template <class Stream>
asio::awaitable<Attempt> HttpClient::Impl::Exchange(
    Stream& stream, Connection& conn, Request& msg, const UpstreamRequest& req,
    const BodyChunkHandler* on_chunk, const std::string& origin) {
  Attempt out;
  beast::tcp_stream& tcp = conn.tcp();
  ExpireAt(tcp, req.deadline);
  {
    auto [ec, n] = co_await http::async_write(stream, msg, kTok);
    if (ec) {
      out.error = TransportError(origin, Phase::kHeaders, ec);
      out.retryable = RetryableError(ec);
      co_return out;
    }
  }

  if (on_chunk == nullptr) {
    http::response_parser<http::string_body> p;
    p.header_limit(kMaxHeader);
    p.body_limit(kMaxBody);
    if (msg.method() == http::verb::head) p.skip(true);
    auto [ec, n] = co_await http::async_read(stream, conn.buffer, p, kTok);
    AcceptTlsEof(p, ec);
    if (ec) {
      out.error = TransportError(
          origin, p.is_header_done() ? Phase::kBody : Phase::kHeaders, ec);
      out.retryable =
          RetryableError(ec) && !p.got_some() && conn.buffer.size() == 0;
      co_return out;
    }
    CopyHeaders(p.get().base(), out.response);
    out.reusable = p.keep_alive();
    out.response.body = std::move(p.get().body());
    co_return out;
  }

  http::response_parser<http::buffer_body> p;
  p.header_limit(kMaxHeader);
  p.body_limit(boost::none);  // streams may run long
  {
    auto [ec, n] =
        co_await http::async_read_header(stream, conn.buffer, p, kTok);
    if (ec) {
      out.error = TransportError(origin, Phase::kHeaders, ec);
      out.retryable =
          RetryableError(ec) && !p.got_some() && conn.buffer.size() == 0;
      co_return out;
    }
  }
  CopyHeaders(p.get().base(), out.response);

  if (out.response.status < 200 || out.response.status >= 300) {
    // Error bodies are small JSON documents the caller wants whole.
    http::response_parser<http::string_body> whole(std::move(p));
    whole.body_limit(kMaxBody);
    auto [ec, n] = co_await http::async_read(stream, conn.buffer, whole, kTok);
    AcceptTlsEof(whole, ec);
    if (ec) {
      out.error = TransportError(origin, Phase::kBody, ec);
      co_return out;
    }
    out.reusable = whole.keep_alive();
    out.response.body = std::move(whole.get().body());
    co_return out;
  }

  if (!conn.chunk) conn.chunk = std::make_unique<char[]>(kChunkSize);
  char* const buf = conn.chunk.get();
  const bool idle_bound = req.idle_timeout.count() > 0;
  while (!p.is_done()) {
    bool idle_expiry = false;
    if (idle_bound) {
      const Clock::time_point idle = Clock::now() + req.idle_timeout;
      if (idle < req.deadline) {
        tcp.expires_at(idle);
        idle_expiry = true;
      } else {
        ExpireAt(tcp, req.deadline);
      }
    }
    p.get().body().data = buf;
    p.get().body().size = kChunkSize;
    // read_some, not read: hand over whatever arrived instead of waiting to
    // fill the buffer.
    auto [ec, n] = co_await http::async_read_some(stream, conn.buffer, p, kTok);
    if (ec == http::error::need_buffer) ec = {};
    AcceptTlsEof(p, ec);
    if (ec) {
      if (ec == beast::error::timeout && idle_expiry &&
          Clock::now() < req.deadline) {
        out.error = Error::Timeout("upstream " + origin + ": no data for " +
                                   std::to_string(req.idle_timeout.count()) +
                                   " ms (idle timeout)");
      } else {
        out.error = TransportError(origin, Phase::kBody, ec);
      }
      co_return out;
    }
    const size_t got = kChunkSize - p.get().body().size;
    if (got > 0) {
      const bool more = co_await (*on_chunk)(std::string_view(buf, got));
      if (!more) co_return out;  // caller stopped: connection not reusable
    }
  }
  out.reusable = p.keep_alive();
  co_return out;
}

asio::awaitable<Result<UpstreamResponse>> HttpClient::Impl::Run(
    UpstreamRequest& req, const BodyChunkHandler* on_chunk) {
  const std::string origin = req.url.Origin();
  if (Clock::now() >= req.deadline) {
    co_return Error::Timeout("upstream " + origin +
                             ": deadline exceeded before sending");
  }
  Request msg = BuildRequest(req);
  try {
    for (int attempt = 0;; ++attempt) {
      // The retry always uses a fresh connection.
      std::unique_ptr<Connection> conn =
          attempt == 0 ? TakeIdle(origin) : nullptr;
      const bool reused = conn != nullptr;
      if (!conn) {
        auto connected = co_await Connect(req, origin);
        if (!connected.ok()) co_return std::move(connected.error());
        conn = std::move(*connected);
      }
      // Plain if/else: GCC 12 miscompiles co_await inside ?: operands.
      Attempt a;
      if (conn->tls) {
        a = co_await Exchange(*conn->tls, *conn, msg, req, on_chunk, origin);
      } else {
        a = co_await Exchange(*conn->plain, *conn, msg, req, on_chunk, origin);
      }
      if (a.error) {
        // The server closed an idle connection as we reused it; the request
        // was not processed, so one fresh attempt is safe.
        if (reused && a.retryable && attempt == 0) continue;
        co_return std::move(*a.error);
      }
      if (a.reusable) Release(origin, std::move(conn));
      co_return std::move(a.response);
    }
  } catch (const boost::system::system_error& e) {
    // A cancelled coroutine throws operation_aborted at its next co_await.
    if (e.code() == asio::error::operation_aborted) co_return Cancelled();
    co_return Error::Unavailable("upstream " + origin + ": " +
                                 e.code().message());
  }
}

// ---------------------------------------------------------------------------
// HttpClient

HttpClient::HttpClient(asio::any_io_executor executor, asio::ssl::context& ssl,
                       HttpClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), ssl, options)) {}

HttpClient::~HttpClient() = default;

asio::awaitable<Result<UpstreamResponse>> HttpClient::Send(
    UpstreamRequest request) {
  co_return co_await impl_->Run(request, nullptr);
}

asio::awaitable<Result<UpstreamResponse>> HttpClient::SendStreaming(
    UpstreamRequest request, BodyChunkHandler on_chunk) {
  co_return co_await impl_->Run(request, &on_chunk);
}

size_t HttpClient::IdleConnections() const { return impl_->IdleConnections(); }

std::unique_ptr<asio::ssl::context> HttpClient::MakeSslContext() {
  // tls_client + a minimum, not tlsv12_client: asio pins that one to exactly
  // TLS 1.2 and would rule out TLS 1.3.
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::default_workarounds |
                   ssl::context::no_compression);
  ctx->set_default_verify_paths();
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

}  // namespace across
