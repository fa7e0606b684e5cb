// The one engine behind both front ends. A front end parses its dialect into
// gateway.proto messages, fills a RequestContext, and calls the engine; the
// engine resolves the model, calls the provider, and records metrics and the
// access log. Nothing here knows about HTTP or gRPC.
#pragma once

#include <memory>

#include <boost/asio/awaitable.hpp>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"
#include "gateway/engine/access_log.h"
#include "gateway/engine/guardrail_runner.h"
#include "gateway/engine/model_registry.h"
#include "gateway/routing/routing.h"
#include "metrics/metrics.h"
#include "providers/provider.h"

namespace across {

class Engine {
 public:
  // Builds providers and compiles the configured routes. Errors name the
  // config field ("routes[0].targets[1].provider: ...").
  static Result<std::unique_ptr<Engine>> Create(
      const ::across::config::v1::GatewayConfig& config, Metrics& metrics);

  Engine(std::unique_ptr<ModelRegistry> registry, Metrics& metrics,
         AccessLog access_log);

  // Front ends call Begin when a request arrives and End exactly once when it
  // is answered, including requests that failed before reaching an operation
  // (malformed bodies). End records metrics and writes the access-log line.
  void Begin(RequestContext& ctx);
  void End(RequestContext& ctx, const Error* error, const v1::Usage* usage);

  asio::awaitable<Result<v1::ChatResponse>> Chat(RequestContext& ctx,
                                                 const v1::ChatRequest& request);

  // Streams chunks to `sink`. The returned Status says how the stream ended;
  // ctx.first_token tells whether anything was written before a failure.
  // `usage` receives the usage the upstream reported, if any.
  asio::awaitable<Status> ChatStream(RequestContext& ctx,
                                     const v1::ChatRequest& request,
                                     ChunkSink& sink, v1::Usage* usage);

  asio::awaitable<Result<v1::EmbedResponse>> Embed(
      RequestContext& ctx, const v1::EmbedRequest& request);

  // Configured models, then named routes and their aliases.
  v1::ListModelsResponse ListModels() const;

  Metrics& metrics() { return metrics_; }

  // Per-target routing state (breaker, in-flight, latency) as JSON, for the
  // admin endpoint.
  std::string TargetStatesJson() const;

 private:
  using RoutePtr = std::shared_ptr<const routing::Route>;

  // Picks the route for a request: a per-request config header, a named
  // route, the x-across-provider header, or the model table.
  Result<RoutePtr> SelectRoute(RequestContext& ctx, std::string_view model);
  // Checks a response inside a routing attempt, so that a refusal (an
  // output guardrail's 446) can be retried or fall back like any error.
  using ResponseCheck =
      std::function<asio::awaitable<Status>(v1::ChatResponse& response)>;
  Result<GuardrailPlan> PlanFor(const RequestContext& ctx, std::string_view model,
                                const routing::Route& route) const;
  asio::awaitable<Result<v1::ChatResponse>> RoutedChat(RequestContext& ctx,
                                                       const routing::Route& route,
                                                       const v1::ChatRequest& request,
                                                       const ResponseCheck& check);
  asio::awaitable<Status> RoutedChatStream(RequestContext& ctx, const routing::Route& route,
                                           const v1::ChatRequest& request,
                                           ChunkSink& sink, v1::Usage* usage);
  Result<boost::json::object> Facts(const RequestContext& ctx,
                                    const google::protobuf::Message& request,
                                    const routing::Route& route) const;
  routing::CompileOptions CompileOptionsFor(const RequestContext& ctx) const;

  std::unique_ptr<ModelRegistry> registry_;
  Metrics& metrics_;
  AccessLog access_log_;
  std::unique_ptr<routing::RoutingMetrics> routing_metrics_;
  std::unique_ptr<routing::TargetStateRegistry> target_states_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<GuardrailCatalog> guardrails_;
  // One precompiled single-target route per configured model.
  std::map<std::string, RoutePtr, std::less<>> model_routes_;
  bool allow_request_configs_ = true;
};

// Checks the parts of a chat request every provider relies on (the HTTP codec
// checks JSON types; this covers gRPC callers too). Errors name the field.
Status ValidateChatRequest(const v1::ChatRequest& request);
Status ValidateEmbedRequest(const v1::EmbedRequest& request);

}  // namespace across
