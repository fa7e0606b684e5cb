// across-gateway: one process serving the gRPC API and the OpenAI-compatible
// HTTP API on a pool of per-core event loops.
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

#include <absl/flags/flag.h>
#include <absl/flags/parse.h>
#include <absl/flags/usage.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "gateway/config/config_loader.h"
#include "gateway/engine/engine.h"
#include "gateway/runtime/worker_pool.h"
#include "gateway/server/grpc_server.h"
#include "gateway/server/http_server.h"
#include "gateway/server/serving_state.h"
#include "metrics/metrics.h"

ABSL_FLAG(std::string, config, "",
          "Path of the YAML config file; the built-in default (echo model) when empty.");
ABSL_FLAG(int, http_port, -1, "HTTP listener port (overrides the config; 0 = ephemeral).");
ABSL_FLAG(int, grpc_port, -1, "gRPC listener port (overrides the config; 0 = ephemeral).");
ABSL_FLAG(std::string, listen_address, "",
          "Bind address for both listeners (overrides the config).");
ABSL_FLAG(int, drain_timeout_ms, -1, "Drain time on SIGTERM (overrides the config).");
ABSL_FLAG(int, worker_threads, -1, "Event-loop threads (overrides the config; 0 = cores).");
ABSL_FLAG(std::string, ready_file, "",
          "When set, the bound ports are written here as JSON once both listeners serve.");
ABSL_FLAG(bool, check_config, false, "Validate the config and exit.");

namespace {

void Log(std::string_view level, std::string_view msg, boost::json::object fields = {}) {
  fields["level"] = level;
  fields["msg"] = msg;
  std::string line = boost::json::serialize(fields);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

int Fail(const across::Error& error) {
  Log("error", error.message);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Across AI Gateway.\n  across_gateway [--config=FILE] [--http_port=N] [--grpc_port=N]");
  absl::ParseCommandLine(argc, argv);
  std::signal(SIGPIPE, SIG_IGN);

  const std::string config_path = absl::GetFlag(FLAGS_config);
  auto config = config_path.empty()
                    ? across::ParseConfig(across::DefaultConfigYaml(), "<built-in config>")
                    : across::LoadConfigFile(config_path);
  if (!config.ok()) return Fail(config.error());
  auto& cfg = *config;
  if (absl::GetFlag(FLAGS_http_port) >= 0) {
    cfg.mutable_listeners()->mutable_http()->set_port(absl::GetFlag(FLAGS_http_port));
  }
  if (absl::GetFlag(FLAGS_grpc_port) >= 0) {
    cfg.mutable_listeners()->mutable_grpc()->set_port(absl::GetFlag(FLAGS_grpc_port));
  }
  if (!absl::GetFlag(FLAGS_listen_address).empty()) {
    cfg.mutable_listeners()->mutable_http()->set_address(absl::GetFlag(FLAGS_listen_address));
    cfg.mutable_listeners()->mutable_grpc()->set_address(absl::GetFlag(FLAGS_listen_address));
  }
  if (absl::GetFlag(FLAGS_drain_timeout_ms) >= 0) {
    cfg.mutable_limits()->set_drain_timeout_ms(absl::GetFlag(FLAGS_drain_timeout_ms));
  }
  if (absl::GetFlag(FLAGS_worker_threads) >= 0) {
    cfg.set_worker_threads(absl::GetFlag(FLAGS_worker_threads));
  }

  across::Metrics metrics;
  auto created = across::Engine::Create(cfg, metrics);
  if (!created.ok()) {
    // Route and provider errors name the field; say which file it is in.
    across::Error error = created.error();
    error.message = (config_path.empty() ? std::string("<built-in config>") : config_path) +
                    ": " + error.message;
    return Fail(error);
  }
  across::Engine& engine = *created.value();
  if (absl::GetFlag(FLAGS_check_config)) {
    Log("info", "config is valid", {{"config", config_path.empty() ? "<built-in>" : config_path}});
    return 0;
  }

  // Installed before listening so that an early SIGTERM still drains.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGTERM, SIGINT);
  int received = 0;

  across::ServingState state;
  across::WorkerPool workers(cfg.worker_threads());
  const auto timeout = std::chrono::milliseconds(cfg.limits().request_timeout_ms());

  std::unique_ptr<across::HttpServer> http;
  int http_port = 0;
  if (!cfg.listeners().http().disabled()) {
    across::HttpServerOptions options;
    options.address = cfg.listeners().http().address();
    options.port = cfg.listeners().http().port();
    options.max_body_bytes = static_cast<size_t>(cfg.limits().max_body_bytes());
    options.request_timeout = timeout;
    http = std::make_unique<across::HttpServer>(workers, engine, state, options);
    auto port = http->Start();
    if (!port.ok()) return Fail(port.error());
    http_port = *port;
  }
  workers.Start();

  std::unique_ptr<across::GrpcServer> grpc;
  int grpc_port = 0;
  if (!cfg.listeners().grpc().disabled()) {
    across::GrpcServerOptions options;
    options.address = cfg.listeners().grpc().address();
    options.port = cfg.listeners().grpc().port();
    options.max_message_bytes = static_cast<size_t>(cfg.limits().max_body_bytes());
    options.request_timeout = timeout;
    grpc = std::make_unique<across::GrpcServer>(workers, engine, options);
    auto port = grpc->Start();
    if (!port.ok()) {
      workers.Stop();
      return Fail(port.error());
    }
    grpc_port = *port;
  }
  state.ready = true;

  boost::json::object ports{{"http_port", http_port}, {"grpc_port", grpc_port}};
  Log("info", "listening",
      {{"http_port", http_port},
       {"grpc_port", grpc_port},
       {"workers", workers.size()},
       {"config", config_path.empty() ? "<built-in>" : config_path}});
  if (const std::string ready = absl::GetFlag(FLAGS_ready_file); !ready.empty()) {
    // Write then rename, so a reader never sees a half-written file.
    std::string tmp = ready + ".tmp";
    std::ofstream(tmp) << boost::json::serialize(ports) << "\n";
    std::rename(tmp.c_str(), ready.c_str());
  }

  // SIGTERM/SIGINT: stop taking work, let in-flight requests finish within
  // the drain timeout, exit 0.
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    if (!ec) received = signo;
  });
  signals_io.run();

  // Draining: readiness and gRPC health turn NOT_SERVING at once, but the
  // listeners stay open (answering /readyz with 503 and serving stragglers
  // the load balancer still sends) until in-flight HTTP requests finish; then
  // they close and gRPC shuts down, waiting for its calls. All of it is
  // bounded by the drain timeout.
  const auto drain = std::chrono::milliseconds(cfg.limits().drain_timeout_ms());
  Log("info", "draining", {{"signal", received}, {"drain_timeout_ms", drain.count()}});
  const auto drain_deadline = std::chrono::steady_clock::now() + drain;
  state.ready = false;
  state.draining = true;
  if (grpc) grpc->SetNotServing();
  while (state.http_inflight.load() > 0 && std::chrono::steady_clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (http) http->StopAccepting();
  if (grpc) {
    grpc->Drain(std::chrono::system_clock::now() +
                std::chrono::duration_cast<std::chrono::system_clock::duration>(
                    drain_deadline - std::chrono::steady_clock::now()));
  }
  while (state.http_inflight.load() > 0 && std::chrono::steady_clock::now() < drain_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const long abandoned = state.http_inflight.load();
  workers.Stop();
  Log("info", "stopped", {{"abandoned_http_requests", abandoned}});
  return 0;
}
