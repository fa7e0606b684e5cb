// One single-threaded event loop per core, each with its own upstream
// HttpClient (and so its own connection pool). Requests stay on the loop that
// accepted them, so request state and pools need no locks — the model Envoy
// uses for its workers.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "gateway/upstream/http_client.h"

namespace across {

class Worker {
 public:
  explicit Worker(asio::ssl::context& ssl);
  asio::io_context& io() { return io_; }
  HttpClient& http() { return http_; }

 private:
  friend class WorkerPool;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  HttpClient http_;
  std::thread thread_;
};

class WorkerPool {
 public:
  // `threads` = 0 → one per hardware thread.
  explicit WorkerPool(int threads);
  ~WorkerPool();

  void Start();
  // Lets loops finish queued work, then joins them.
  void Stop();

  size_t size() const { return workers_.size(); }
  Worker& at(size_t i) { return *workers_[i]; }
  // Round-robin choice for work that arrives off-loop (gRPC calls).
  Worker& Next();

 private:
  std::unique_ptr<asio::ssl::context> ssl_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<size_t> next_{0};
  bool started_ = false;
};

}  // namespace across
