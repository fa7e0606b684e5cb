// The mock provider's HTTP/1.1 server: N event loops (one thread each), one
// acceptor handing connections round-robin to the loops, keep-alive
// sessions, the /__mock/* control endpoints, the dialect-independent faults
// and the dispatch to provider dialects.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tests/mock_upstream/conn.h"
#include "tests/mock_upstream/dialect.h"

namespace across::mock {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0: ephemeral
  int threads = 1;
  // Non-empty: dialect requests must carry this key.
  std::string require_key;
};

class Server {
 public:
  // Dialects are tried in order; the first whose Handles() accepts a path
  // serves it, and the first one shapes errors for unknown paths.
  Server(ServerOptions options, std::vector<std::unique_ptr<Dialect>> dialects);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and takes over SIGTERM/SIGINT. Throws
  // boost::system::system_error on failure.
  void Listen();
  uint16_t port() const { return port_; }

  // Serves until SIGTERM/SIGINT or Stop(); returns after every loop thread
  // has finished.
  void Run();
  // Thread-safe.
  void Stop();

 private:
  // Counters and the last request seen by one event loop; summed or picked
  // from on read, so the hot path takes only its own, uncontended lock.
  struct Shard {
    std::mutex mu;
    uint64_t requests = 0;
    uint64_t connections = 0;
    std::map<std::string, uint64_t, std::less<>> by_path;
    // Last request (buffers reused: no allocation once warmed up).
    uint64_t last_seq = 0;
    std::string last_method;
    std::string last_target;
    std::vector<std::pair<std::string, std::string>> last_headers;
    size_t last_header_count = 0;
    std::string last_body;
  };

  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Session(tcp::socket socket, size_t shard);
  asio::awaitable<void> Handle(const Request& request, Conn& conn, size_t shard,
                               uint64_t& counted_epoch);
  asio::awaitable<void> HandleControl(const Request& request, Conn& conn);
  void Record(const Request& request, size_t shard, bool new_connection);
  void WriteStats(std::string& out);
  bool WriteLastRequest(std::string& out);
  void ResetStats();

  ServerOptions options_;
  std::vector<std::unique_ptr<Dialect>> dialects_;
  uint16_t port_ = 0;
  std::atomic<uint64_t> seq_{0};
  std::atomic<uint64_t> epoch_{1};
  std::atomic<int64_t> open_connections_{0};
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<bool> stopping_{false};
  // Declared last: destroyed first, so pending sessions unwind while the
  // members above are still alive.
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::signal_set> signals_;
};

}  // namespace across::mock
