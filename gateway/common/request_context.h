// Per-request state shared by both front ends, the engine and providers.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace across {

using Clock = std::chrono::steady_clock;

class HttpClient;

// Routing input that arrives beside the request body, parsed the same way
// from HTTP headers and gRPC metadata (see gateway.proto for the keys).
struct RoutingHeaders {
  std::string provider;       // x-across-provider (or x-portkey-provider)
  std::string config;         // x-across-config (or x-portkey-config)
  bool portkey_config = false;  // config came in x-portkey-config
  std::string metadata;       // x-across-metadata / x-portkey-metadata (JSON)
  std::string guardrails;     // x-across-guardrails (JSON input/output lists)
  std::string trace_id;       // x-across-trace-id (or x-portkey-trace-id)
  std::string authorization;  // Authorization (forwarded when no key is set)

  // Accepts one header/metadata entry; names are matched case-insensitively.
  void Accept(std::string_view name, std::string_view value);
};

// Header names, lower-case (gRPC metadata keys must be lower-case).
inline constexpr std::string_view kProviderHeader = "x-across-provider";
inline constexpr std::string_view kConfigHeader = "x-across-config";
inline constexpr std::string_view kTraceIdHeader = "x-across-trace-id";
inline constexpr std::string_view kModelHeader = "x-across-model";
inline constexpr std::string_view kMetadataHeader = "x-across-metadata";
inline constexpr std::string_view kTargetHeader = "x-across-target";
inline constexpr std::string_view kAttemptsHeader = "x-across-attempts";

struct RequestContext {
  // "http" or "grpc", for metrics and logs.
  std::string front_end;
  // "chat", "chat_stream", "embed", "list_models".
  std::string operation;
  RoutingHeaders headers;
  // Trace id: the caller's, or generated.
  std::string trace_id;
  Clock::time_point start = Clock::now();
  // Absolute deadline: the gRPC deadline or the configured default.
  Clock::time_point deadline = Clock::time_point::max();
  // The worker's upstream client (one per event loop).
  HttpClient* http = nullptr;

  // Filled in by the engine as the request is routed.
  std::string model;           // as the client asked
  std::string provider;        // provider id that served
  std::string upstream_model;  // model name sent upstream
  Clock::duration upstream_time{};
  std::optional<Clock::time_point> first_token;
  int http_status = 200;
  // Route outcome: the target path that answered ("targets[1].targets[0]")
  // and the upstream attempts made.
  std::string target_path;
  int attempts = 0;
  // Guardrails: "input=<verdict>;output=<verdict>" and the results (JSON
  // array, matched text masked); empty when no guardrail ran.
  std::string guardrail_verdict;
  std::string guardrail_results;
  // Tokens an upstream reported for an answer the gateway then refused
  // (output guardrail deny): billed, so still metered.
  struct TokenCounts {
    long prompt = 0, completion = 0, cached = 0, reasoning = 0;
  };
  std::optional<TokenCounts> refused_usage;

  // Time left before the deadline (zero if passed).
  Clock::duration Remaining() const;
};

// A random 128-bit hex trace id.
std::string NewTraceId();

}  // namespace across
