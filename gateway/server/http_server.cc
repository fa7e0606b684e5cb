#include "gateway/server/http_server.h"

#include <list>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "gateway/server/openai_http_api.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

}  // namespace

// One accepted connection. Lives in its session coroutine; the worker's
// session list lets draining close connections that sit idle in keep-alive.
struct HttpSession {
  explicit HttpSession(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool idle = true;
};

class HttpServer::Impl {
 public:
  Impl(WorkerPool& workers, Engine& engine, ServingState& state,
       HttpServerOptions options)
      : workers_(workers),
        state_(state),
        options_(std::move(options)),
        api_(engine, state, ApiOptions{options_.request_timeout}),
        per_worker_(workers.size()) {}

  Result<int> Start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.address, ec);
    if (ec) {
      return Error::InvalidRequest("listeners.http.address: invalid address \"" +
                                   options_.address + "\"");
    }
    int port = options_.port;
    for (size_t i = 0; i < workers_.size(); ++i) {
      auto& slot = per_worker_[i];
      slot.acceptor = std::make_unique<tcp::acceptor>(workers_.at(i).io());
      tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
      slot.acceptor->open(endpoint.protocol(), ec);
      if (!ec) slot.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) {
        int one = 1;
        if (::setsockopt(slot.acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT,
                         &one, sizeof one) != 0) {
          ec = boost::system::error_code(errno, boost::system::system_category());
        }
      }
      if (!ec) slot.acceptor->bind(endpoint, ec);
      if (!ec) slot.acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec) {
        return Error::Unavailable("HTTP listener " + options_.address + ":" +
                                  std::to_string(port) + ": " + ec.message());
      }
      // Later workers bind the port the first one was given.
      port = slot.acceptor->local_endpoint().port();
      asio::co_spawn(workers_.at(i).io(), Accept(i), asio::detached);
    }
    return port;
  }

  void StopAccepting() {
    for (size_t i = 0; i < workers_.size(); ++i) {
      asio::post(workers_.at(i).io(), [this, i] {
        auto& slot = per_worker_[i];
        boost::system::error_code ignored;
        if (slot.acceptor) slot.acceptor->close(ignored);
        for (HttpSession* s : slot.sessions) {
          if (s->idle) s->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        }
      });
    }
  }

 private:
  struct WorkerSlot {
    std::unique_ptr<tcp::acceptor> acceptor;
    std::list<HttpSession*> sessions;  // touched only on the worker's thread
  };

  asio::awaitable<void> Accept(size_t worker) {
    auto& slot = per_worker_[worker];
    for (;;) {
      auto [ec, socket] = co_await slot.acceptor->async_accept(kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !slot.acceptor->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(workers_.at(worker).io(), Serve(worker, std::move(socket)),
                     asio::detached);
    }
  }

  asio::awaitable<void> Serve(size_t worker, tcp::socket socket) {
    HttpSession session(std::move(socket));
    auto& sessions = per_worker_[worker].sessions;
    auto it = sessions.insert(sessions.end(), &session);
    HttpClient& http = workers_.at(worker).http();
    beast::flat_buffer buffer;
    buffer.reserve(8 * 1024);  // read typical requests in one go
    for (;;) {
      session.idle = true;
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.max_body_bytes);
      parser.header_limit(64 * 1024);
      session.stream.expires_after(options_.keep_alive_idle);
      auto [ec, bytes] = co_await http::async_read(session.stream, buffer, parser, kTuple);
      session.idle = false;
      if (ec == http::error::body_limit) {
        co_await api_.WriteTooLarge(session.stream, options_.max_body_bytes);
        break;
      }
      if (ec == http::error::end_of_stream || ec) {
        if (ec && ec != http::error::end_of_stream && ec != beast::error::timeout &&
            ec != asio::error::operation_aborted && ec != asio::error::eof &&
            ec != asio::error::connection_reset && bytes > 0) {
          co_await api_.WriteBadRequest(session.stream, ec.message());
        }
        break;
      }
      // Requests may take minutes; the engine's deadline bounds them.
      session.stream.expires_never();
      state_.http_inflight.fetch_add(1, std::memory_order_relaxed);
      bool keep_alive = co_await api_.Handle(session.stream, parser.get(), http);
      state_.http_inflight.fetch_sub(1, std::memory_order_relaxed);
      // While draining, each connection serves the request it carried and
      // closes, so clients move to other replicas.
      if (!keep_alive || state_.draining.load(std::memory_order_relaxed)) break;
    }
    sessions.erase(it);
    boost::system::error_code ignored;
    session.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    session.stream.close();
  }

  WorkerPool& workers_;
  ServingState& state_;
  HttpServerOptions options_;
  OpenAiHttpApi api_;
  std::vector<WorkerSlot> per_worker_;
};

HttpServer::HttpServer(WorkerPool& workers, Engine& engine, ServingState& state,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(workers, engine, state, std::move(options))) {}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Start() { return impl_->Start(); }

void HttpServer::StopAccepting() { impl_->StopAccepting(); }

}  // namespace across
