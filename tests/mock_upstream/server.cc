#include "tests/mock_upstream/server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <csignal>
#include <cstddef>
#include <thread>

#include "tests/mock_upstream/json_out.h"

namespace across::mock {
namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kControlPrefix = "/__mock/";
constexpr uint64_t kMaxBody = 64 << 20;
constexpr uint32_t kMaxHeader = 64 << 10;
// Bytes of request JSON parsed without touching the heap.
constexpr size_t kJsonArena = 16 << 10;

bool LooksLikeJson(std::string_view body) {
  for (char c : body) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' || c == '[';
  }
  return false;
}

void AppendLower(std::string& out, std::string_view s) {
  out.assign(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

}  // namespace

Server::Server(ServerOptions options,
               std::vector<std::unique_ptr<Dialect>> dialects)
    : options_(std::move(options)), dialects_(std::move(dialects)) {
  if (options_.threads < 1) options_.threads = 1;
  for (int i = 0; i < options_.threads; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    contexts_.push_back(std::make_unique<asio::io_context>(1));
  }
}

Server::~Server() = default;

void Server::Listen() {
  const tcp::endpoint endpoint(asio::ip::make_address(options_.address),
                               options_.port);
  acceptor_ = std::make_unique<tcp::acceptor>(*contexts_[0]);
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(asio::socket_base::reuse_address(true));
  acceptor_->bind(endpoint);
  acceptor_->listen(asio::socket_base::max_listen_connections);
  port_ = acceptor_->local_endpoint().port();
  // Before the caller announces the port, so a test that signals right away
  // gets a clean exit.
  signals_ = std::make_unique<asio::signal_set>(*contexts_[0], SIGINT, SIGTERM);
  signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (!ec) Stop();
  });
}

void Server::Run() {
  asio::co_spawn(*contexts_[0], AcceptLoop(), asio::detached);

  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<Guard> guards;
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts_.size(); ++i) {
    guards.push_back(asio::make_work_guard(*contexts_[i]));
    threads.emplace_back([ctx = contexts_[i].get()] { ctx->run(); });
  }
  contexts_[0]->run();
  for (std::thread& t : threads) t.join();
}

void Server::Stop() {
  stopping_ = true;
  for (auto& ctx : contexts_) ctx->stop();
}

asio::awaitable<void> Server::AcceptLoop() {
  size_t next = 0;
  while (!stopping_) {
    const size_t shard = next;
    next = (next + 1) % contexts_.size();
    auto [ec, socket] = co_await acceptor_->async_accept(
        contexts_[shard]->get_executor(), kUse);
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping_) co_return;
      // Out of descriptors and the like: back off briefly.
      asio::steady_timer timer(acceptor_->get_executor());
      timer.expires_after(std::chrono::milliseconds(10));
      co_await timer.async_wait(kUse);
      continue;
    }
    asio::co_spawn(*contexts_[shard], Session(std::move(socket), shard),
                   asio::detached);
  }
}

asio::awaitable<void> Server::Session(tcp::socket socket, size_t shard) {
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  Conn conn(std::move(socket));
  open_connections_.fetch_add(1, std::memory_order_relaxed);
  struct OpenGuard {
    std::atomic<int64_t>& open;
    ~OpenGuard() { open.fetch_sub(1, std::memory_order_relaxed); }
  } open_guard{open_connections_};

  boost::beast::flat_buffer buffer;
  uint64_t counted_epoch = 0;
  alignas(std::max_align_t) unsigned char arena[kJsonArena];

  while (conn.is_open()) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeader);
    parser.body_limit(kMaxBody);
    auto [ec, n] =
        co_await http::async_read_header(conn.socket(), buffer, parser, kUse);
    if (!ec && !parser.is_done()) {
      const auto& head = parser.get();
      auto expect = head.find(http::field::expect);
      if (expect != head.end() &&
          boost::beast::iequals(expect->value(), "100-continue")) {
        if (!co_await conn.SendRaw("HTTP/1.1 100 Continue\r\n\r\n")) break;
      }
      std::tie(ec, n) =
          co_await http::async_read(conn.socket(), buffer, parser, kUse);
    }
    if (ec) {
      // A clean close between requests, a reset, or a malformed request.
      const auto& http_category =
          http::make_error_code(http::error::bad_method).category();
      if (ec.category() == http_category && ec != http::error::end_of_stream &&
          ec != http::error::partial_message) {
        const int status = ec == http::error::body_limit     ? 413
                           : ec == http::error::header_limit ? 431
                                                             : 400;
        std::string& out = conn.scratch().body;
        out.clear();
        dialects_[0]->ErrorBody(
            {status, "invalid_request_error", "mock: malformed HTTP request"},
            out);
        conn.BeginRequest(11, false, ++seq_);
        co_await conn.Send(status, kJson, out);
      }
      break;
    }

    auto& msg = parser.get();
    Request request;
    request.msg = &msg;
    request.method = msg.method();
    request.method_name = Sv(msg.method_string());
    request.target = Sv(msg.target());
    request.path = request.target.substr(0, request.target.find('?'));
    request.body = msg.body();
    request.seq = seq_.fetch_add(1, std::memory_order_relaxed) + 1;
    {
      boost::json::monotonic_resource arena_resource(arena, sizeof(arena));
      boost::system::error_code json_ec;
      const bool try_json = LooksLikeJson(request.body);
      const boost::json::value json =
          try_json ? boost::json::parse(request.body, json_ec, &arena_resource)
                   : boost::json::value();
      if (try_json && !json_ec) request.json = &json;
      conn.BeginRequest(msg.version(), msg.keep_alive(), request.seq);
      co_await Handle(request, conn, shard, counted_epoch);
    }
    if (conn.is_open() && !conn.keep_alive()) conn.Close();
  }
}

asio::awaitable<void> Server::Handle(const Request& request, Conn& conn,
                                     size_t shard, uint64_t& counted_epoch) {
  if (request.path.starts_with(kControlPrefix)) {
    co_await HandleControl(request, conn);
    co_return;
  }
  const uint64_t epoch = epoch_.load(std::memory_order_acquire);
  Record(request, shard, counted_epoch != epoch);
  counted_epoch = epoch;

  const Dialect* dialect = nullptr;
  for (const auto& d : dialects_) {
    if (d->Handles(request.path)) {
      dialect = d.get();
      break;
    }
  }
  const Dialect& shape = dialect != nullptr ? *dialect : *dialects_[0];

  Faults faults = ParseFaults(request);
  ApplyFailFirst(faults);
  if (faults.latency_ms > 0) {
    if (!co_await conn.Sleep(std::chrono::milliseconds(faults.latency_ms))) {
      co_return;
    }
  }
  if (faults.reset == ResetMode::kBeforeHeaders) {
    conn.Reset();
    co_return;
  }
  std::string& out = conn.scratch().body;
  if (dialect != nullptr && !options_.require_key.empty() &&
      !dialect->HasKey(request, options_.require_key)) {
    out.clear();
    dialect->AuthErrorBody(out);
    co_await conn.Send(401, kJson, out);
    co_return;
  }
  if (faults.status >= 400) {
    std::string& message = conn.scratch().text;
    message.assign("mock error ");
    AppendInt(message, faults.status);
    out.clear();
    shape.ErrorBody({faults.status, ErrorTypeForStatus(faults.status), message,
                     ErrorCodeForStatus(faults.status)},
                    out);
    Header extra[2];
    size_t n = 0;
    if (!faults.retry_after.empty()) {
      extra[n++] = {"retry-after", faults.retry_after};
    }
    if (!faults.retry_after_ms.empty()) {
      extra[n++] = {"retry-after-ms", faults.retry_after_ms};
    }
    co_await conn.Send(faults.status, kJson, out,
                       std::span<const Header>(extra, n));
    co_return;
  }
  if (dialect == nullptr) {
    std::string& message = conn.scratch().text;
    message.assign("Invalid URL (");
    message.append(request.method_name);
    message.push_back(' ');
    message.append(request.path);
    message.push_back(')');
    out.clear();
    shape.ErrorBody({404, "invalid_request_error", message}, out);
    co_await conn.Send(404, kJson, out);
    co_return;
  }
  co_await dialect->Serve(request, conn, faults);
}

void Server::Record(const Request& request, size_t shard_index,
                    bool new_connection) {
  Shard& shard = *shards_[shard_index];
  std::lock_guard<std::mutex> lock(shard.mu);
  ++shard.requests;
  if (new_connection) ++shard.connections;
  auto it = shard.by_path.find(request.path);
  if (it == shard.by_path.end()) {
    it = shard.by_path.emplace(std::string(request.path), 0).first;
  }
  ++it->second;

  shard.last_seq = request.seq;
  shard.last_method.assign(request.method_name);
  shard.last_target.assign(request.target);
  size_t count = 0;
  for (const auto& field : *request.msg) {
    if (count == shard.last_headers.size()) shard.last_headers.emplace_back();
    auto& [name, value] = shard.last_headers[count++];
    AppendLower(name, Sv(field.name_string()));
    value.assign(Sv(field.value()));
  }
  shard.last_header_count = count;
  shard.last_body.assign(request.body);
}

void Server::WriteStats(std::string& out) {
  uint64_t requests = 0;
  uint64_t connections = 0;
  std::map<std::string, uint64_t, std::less<>> by_path;
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    requests += shard->requests;
    connections += shard->connections;
    for (const auto& [path, n] : shard->by_path) by_path[path] += n;
  }
  out.append("{\"requests\":");
  AppendInt(out, static_cast<int64_t>(requests));
  out.append(",\"connections\":");
  AppendInt(out, static_cast<int64_t>(connections));
  out.append(",\"by_path\":{");
  bool first = true;
  for (const auto& [path, n] : by_path) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, path);
    out.push_back(':');
    AppendInt(out, static_cast<int64_t>(n));
  }
  out.append("},\"open_connections\":");
  AppendInt(out, open_connections_.load(std::memory_order_relaxed));
  out.push_back('}');
}

bool Server::WriteLastRequest(std::string& out) {
  Shard* latest = nullptr;
  uint64_t latest_seq = 0;
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    if (shard->last_seq > latest_seq) {
      latest_seq = shard->last_seq;
      latest = shard.get();
    }
  }
  if (latest == nullptr) return false;
  std::lock_guard<std::mutex> lock(latest->mu);
  out.append("{\"method\":");
  AppendJsonString(out, latest->last_method);
  out.append(",\"target\":");
  AppendJsonString(out, latest->last_target);
  out.append(",\"headers\":{");
  const auto& headers = latest->last_headers;
  const size_t count = latest->last_header_count;
  bool first = true;
  for (size_t i = 0; i < count; ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) {
      seen = headers[j].first == headers[i].first;
    }
    if (seen) continue;
    // Repeated headers are joined with ", " (RFC 9110 field-line combining).
    std::string value = headers[i].second;
    for (size_t j = i + 1; j < count; ++j) {
      if (headers[j].first == headers[i].first) {
        value.append(", ");
        value.append(headers[j].second);
      }
    }
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, headers[i].first);
    out.push_back(':');
    AppendJsonString(out, value);
  }
  out.append("},\"body\":");
  AppendJsonString(out, latest->last_body);
  out.push_back('}');
  return true;
}

void Server::ResetStats() {
  epoch_.fetch_add(1, std::memory_order_acq_rel);
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    shard->requests = 0;
    shard->connections = 0;
    shard->by_path.clear();
    shard->last_seq = 0;
    shard->last_header_count = 0;
  }
  ResetFailFirst();
}

asio::awaitable<void> Server::HandleControl(const Request& request,
                                            Conn& conn) {
  const std::string_view what = request.path.substr(kControlPrefix.size());
  std::string& out = conn.scratch().body;
  out.clear();
  if (what == "stats") {
    WriteStats(out);
    co_await conn.Send(200, kJson, out);
  } else if (what == "reset") {
    ResetStats();
    co_await conn.Send(200, kJson, "{\"ok\":true}");
  } else if (what == "last_request") {
    if (WriteLastRequest(out)) {
      co_await conn.Send(200, kJson, out);
    } else {
      out.clear();
      dialects_[0]->ErrorBody(
          {404, "not_found_error", "no request recorded yet"}, out);
      co_await conn.Send(404, kJson, out);
    }
  } else {
    dialects_[0]->ErrorBody(
        {404, "invalid_request_error", "unknown mock control endpoint"}, out);
    co_await conn.Send(404, kJson, out);
  }
}

}  // namespace across::mock
