// The OpenAI-compatible HTTP/1.1 front end: Boost.Beast on Asio with C++20
// coroutines. Each worker loop accepts on its own SO_REUSEPORT socket, so
// connections are spread across cores by the kernel and a connection's
// requests stay on one loop.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gateway/common/error.h"
#include "gateway/engine/engine.h"
#include "gateway/runtime/worker_pool.h"
#include "gateway/server/serving_state.h"

namespace across {

struct HttpServerOptions {
  std::string address = "0.0.0.0";
  int port = 8787;  // 0 = ephemeral
  size_t max_body_bytes = 4 << 20;
  std::chrono::milliseconds request_timeout{600000};
  std::chrono::seconds keep_alive_idle{75};
};

class HttpServer {
 public:
  HttpServer(WorkerPool& workers, Engine& engine, ServingState& state,
             HttpServerOptions options);
  ~HttpServer();

  // Binds and starts accepting; returns the bound port.
  Result<int> Start();
  // Stops accepting and closes idle keep-alive connections; requests in
  // flight finish (their connections close afterwards).
  void StopAccepting();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace across
