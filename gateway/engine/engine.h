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
#include "gateway/engine/model_registry.h"
#include "metrics/metrics.h"
#include "providers/provider.h"

namespace across {

class Engine {
 public:
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

  v1::ListModelsResponse ListModels() const { return registry_->ListModels(); }

  Metrics& metrics() { return metrics_; }

 private:
  Result<ModelRoute> Route(RequestContext& ctx, std::string_view model);

  std::unique_ptr<ModelRegistry> registry_;
  Metrics& metrics_;
  AccessLog access_log_;
};

// Checks the parts of a chat request every provider relies on (the HTTP codec
// checks JSON types; this covers gRPC callers too). Errors name the field.
Status ValidateChatRequest(const v1::ChatRequest& request);
Status ValidateEmbedRequest(const v1::EmbedRequest& request);

}  // namespace across
