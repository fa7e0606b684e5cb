// The gRPC front end: the callback (reactor) API, so no thread is held per
// call. Each call runs as a coroutine on a worker loop; client cancellation
// and deadlines reach the upstream request through Asio cancellation and the
// request deadline. Standard grpc.health.v1 and server reflection are on.
#pragma once

#include <memory>
#include <string>

#include "gateway/common/error.h"
#include "gateway/engine/engine.h"
#include "gateway/runtime/worker_pool.h"
#include "gateway/server/serving_state.h"

namespace grpc {
class Server;
}

namespace across {

struct GrpcServerOptions {
  std::string address = "0.0.0.0";
  int port = 50051;  // 0 = ephemeral
  size_t max_message_bytes = 4 << 20;
  std::chrono::milliseconds request_timeout{600000};
};

class GrpcServer {
 public:
  GrpcServer(WorkerPool& workers, Engine& engine, GrpcServerOptions options);
  ~GrpcServer();

  // Builds and starts the server; returns the bound port.
  Result<int> Start();
  // Health turns NOT_SERVING so load balancers stop sending; calls are
  // still accepted.
  void SetNotServing();
  // Stops accepting and waits for in-flight calls until `deadline`,
  // cancelling whatever is left.
  void Drain(std::chrono::system_clock::time_point deadline);

 private:
  class Service;
  WorkerPool& workers_;
  Engine& engine_;
  GrpcServerOptions options_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace across
