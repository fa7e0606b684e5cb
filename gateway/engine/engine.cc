#include "gateway/engine/engine.h"

#include <chrono>
#include <string>

namespace across {
namespace {

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Forwards chunks to the client while keeping the upstream's usage for
// metrics; marks the time to first token.
class MeteredSink final : public ChunkSink {
 public:
  MeteredSink(RequestContext& ctx, ChunkSink& inner, v1::Usage* usage)
      : ctx_(ctx), inner_(inner), usage_(usage) {}

  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    if (!ctx_.first_token) ctx_.first_token = Clock::now();
    if (chunk.has_usage() && usage_ != nullptr) *usage_ = chunk.usage();
    co_return co_await inner_.Write(std::move(chunk));
  }

 private:
  RequestContext& ctx_;
  ChunkSink& inner_;
  v1::Usage* usage_;
};

}  // namespace

Status ValidateChatRequest(const v1::ChatRequest& r) {
  if (r.model().empty()) {
    return Error::InvalidRequest("you must provide a model parameter", "model");
  }
  if (r.messages().empty()) {
    return Error::InvalidRequest("'messages' must contain at least one message",
                                 "messages");
  }
  for (int i = 0; i < r.messages_size(); ++i) {
    if (r.messages(i).role() == v1::ROLE_UNSPECIFIED) {
      return Error::InvalidRequest(
          "messages[" + std::to_string(i) + "].role is required",
          "messages[" + std::to_string(i) + "].role");
    }
  }
  if (r.has_temperature() && (r.temperature() < 0 || r.temperature() > 2)) {
    return Error::InvalidRequest("'temperature' must be between 0 and 2",
                                 "temperature");
  }
  if (r.has_top_p() && (r.top_p() < 0 || r.top_p() > 1)) {
    return Error::InvalidRequest("'top_p' must be between 0 and 1", "top_p");
  }
  if (r.has_max_tokens() && r.max_tokens() < 1) {
    return Error::InvalidRequest("'max_tokens' must be at least 1", "max_tokens");
  }
  if (r.has_n() && r.n() < 1) {
    return Error::InvalidRequest("'n' must be at least 1", "n");
  }
  return Ok{};
}

Status ValidateEmbedRequest(const v1::EmbedRequest& r) {
  if (r.model().empty()) {
    return Error::InvalidRequest("you must provide a model parameter", "model");
  }
  if (r.input().empty()) {
    return Error::InvalidRequest("'input' must not be empty", "input");
  }
  return Ok{};
}

Engine::Engine(std::unique_ptr<ModelRegistry> registry, Metrics& metrics,
               AccessLog access_log)
    : registry_(std::move(registry)),
      metrics_(metrics),
      access_log_(access_log) {}

void Engine::Begin(RequestContext& ctx) {
  if (ctx.trace_id.empty()) {
    ctx.trace_id = ctx.headers.trace_id.empty() ? NewTraceId() : ctx.headers.trace_id;
  }
  metrics_.RequestStarted(ctx.front_end);
}

void Engine::End(RequestContext& ctx, const Error* error, const v1::Usage* usage) {
  ctx.http_status = error != nullptr ? error->http_status : 200;
  RequestRecord record;
  record.front_end = ctx.front_end;
  record.operation = ctx.operation;
  record.provider = ctx.provider;
  record.model = ctx.provider.empty() ? std::string_view("unknown")
                                      : std::string_view(ctx.model);
  record.status = ctx.http_status;
  record.duration_seconds = Seconds(Clock::now() - ctx.start);
  record.upstream_seconds = Seconds(ctx.upstream_time);
  if (ctx.first_token) record.ttft_seconds = Seconds(*ctx.first_token - ctx.start);
  if (usage != nullptr) {
    record.prompt_tokens = usage->prompt_tokens();
    record.completion_tokens = usage->completion_tokens();
    record.cached_tokens = usage->cached_tokens();
    record.reasoning_tokens = usage->reasoning_tokens();
  }
  metrics_.RequestFinished(record);
  AccessLogEntry entry{&ctx, error, ctx.http_status, record.prompt_tokens,
                       record.completion_tokens};
  access_log_.Write(entry);
}

Result<ModelRoute> Engine::Route(RequestContext& ctx, std::string_view model) {
  ctx.model = std::string(model);
  auto route = registry_->Resolve(model, ctx.headers);
  if (!route.ok()) return route;
  ctx.provider = route->provider->info().id;
  ctx.upstream_model = route->upstream_model;
  return route;
}

asio::awaitable<Result<v1::ChatResponse>> Engine::Chat(
    RequestContext& ctx, const v1::ChatRequest& request) {
  if (auto valid = ValidateChatRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = Route(ctx, request.model());
  if (!route.ok()) co_return route.error();
  UpstreamCall call{ctx, route->upstream_model, ""};
  const auto started = Clock::now();
  auto result = co_await route->provider->Chat(call, request);
  ctx.upstream_time += Clock::now() - started;
  co_return result;
}

asio::awaitable<Status> Engine::ChatStream(RequestContext& ctx,
                                           const v1::ChatRequest& request,
                                           ChunkSink& sink, v1::Usage* usage) {
  if (auto valid = ValidateChatRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = Route(ctx, request.model());
  if (!route.ok()) co_return route.error();
  UpstreamCall call{ctx, route->upstream_model, ""};
  MeteredSink metered(ctx, sink, usage);
  const auto started = Clock::now();
  auto status = co_await route->provider->ChatStream(call, request, metered);
  ctx.upstream_time += Clock::now() - started;
  co_return status;
}

asio::awaitable<Result<v1::EmbedResponse>> Engine::Embed(
    RequestContext& ctx, const v1::EmbedRequest& request) {
  if (auto valid = ValidateEmbedRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = Route(ctx, request.model());
  if (!route.ok()) co_return route.error();
  UpstreamCall call{ctx, route->upstream_model, ""};
  const auto started = Clock::now();
  auto result = co_await route->provider->Embed(call, request);
  ctx.upstream_time += Clock::now() - started;
  co_return result;
}

}  // namespace across
