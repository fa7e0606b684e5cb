#include "gateway/engine/engine.h"

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include <boost/json/serialize.hpp>

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
      access_log_(access_log),
      routing_metrics_(std::make_unique<routing::RoutingMetrics>(metrics.registry())),
      target_states_(
          std::make_unique<routing::TargetStateRegistry>(routing_metrics_.get())) {
  routing::CompileOptions options = CompileOptionsFor(RequestContext{});
  const v1::ListModelsResponse models = registry_->ListModels();
  for (const auto& model : models.models()) {
    auto route = routing::SingleTargetRoute(model.id(), model.owned_by(),
                                            model.upstream_model(), options);
    if (route.ok()) model_routes_.emplace(model.id(), std::move(route.value()));
  }
}

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
  if (usage == nullptr && ctx.refused_usage) {
    // An answer the gateway refused was still produced (and billed).
    record.prompt_tokens = ctx.refused_usage->prompt;
    record.completion_tokens = ctx.refused_usage->completion;
    record.cached_tokens = ctx.refused_usage->cached;
    record.reasoning_tokens = ctx.refused_usage->reasoning;
  } else if (usage != nullptr) {
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

Result<std::unique_ptr<Engine>> Engine::Create(
    const ::across::config::v1::GatewayConfig& config, Metrics& metrics) {
  auto registry = ModelRegistry::Build(config);
  if (!registry.ok()) return registry.error();
  auto engine = std::make_unique<Engine>(std::move(registry.value()), metrics,
                                         AccessLog(config.logging().access_log()));
  engine->allow_request_configs_ =
      !config.has_allow_request_configs() || config.allow_request_configs();
  auto table = routing::RouteTable::Build(config.routes(),
                                          engine->CompileOptionsFor(RequestContext{}));
  if (!table.ok()) return table.error();
  engine->routes_ = std::move(table.value());
  auto guardrails = GuardrailCatalog::Build(config);
  if (!guardrails.ok()) return guardrails.error();
  engine->guardrails_ = std::move(guardrails.value());
  return engine;
}

routing::CompileOptions Engine::CompileOptionsFor(const RequestContext& ctx) const {
  routing::CompileOptions options;
  options.states = target_states_.get();
  options.metrics = routing_metrics_.get();
  options.provider_exists = [registry = registry_.get()](std::string_view id) {
    return registry->FindProvider(id) != nullptr;
  };
  options.default_provider = ctx.headers.provider;
  return options;
}

Result<Engine::RoutePtr> Engine::SelectRoute(RequestContext& ctx, std::string_view model) {
  ctx.model = std::string(model);
  const std::string& config = ctx.headers.config;
  if (!config.empty()) {
    const std::string_view header =
        ctx.headers.portkey_config ? "x-portkey-config" : kConfigHeader;
    // A bare name selects a named route; JSON is a whole per-request config.
    if (config.front() != '{') {
      if (routes_ != nullptr) {
        if (auto route = routes_->Find(config)) return route;
      }
      return Error::InvalidRequest("unknown route \"" + config + "\" in " +
                                       std::string(header),
                                   std::string(header));
    }
    if (!allow_request_configs_) {
      return Error::InvalidRequest(
          "per-request route configs are disabled on this gateway "
          "(allow_request_configs: false)",
          std::string(header));
    }
    return routing::CompileRequestConfig(
        config,
        ctx.headers.portkey_config ? routing::ConfigDialect::kPortkey
                                   : routing::ConfigDialect::kAuto,
        CompileOptionsFor(ctx), header);
  }
  if (!ctx.headers.provider.empty()) {
    auto resolved = registry_->Resolve(model, ctx.headers);
    if (!resolved.ok()) return resolved.error();
    return routing::SingleTargetRoute(std::string(model), resolved->provider->info().id,
                                      resolved->upstream_model, CompileOptionsFor(ctx));
  }
  if (routes_ != nullptr) {
    if (auto route = routes_->Find(model)) return route;
  }
  if (auto it = model_routes_.find(model); it != model_routes_.end()) return it->second;
  // Not configured: let the registry produce the precise error.
  auto resolved = registry_->Resolve(model, ctx.headers);
  if (!resolved.ok()) return resolved.error();
  return Error::Internal("model \"" + std::string(model) + "\" has no route");
}

Result<boost::json::object> Engine::Facts(const RequestContext& ctx,
                                          const google::protobuf::Message& request,
                                          const routing::Route& route) const {
  if (!route.needs_facts()) return boost::json::object{};
  boost::json::object metadata;
  if (!ctx.headers.metadata.empty()) {
    auto parsed = routing::ParseMetadataHeader(ctx.headers.metadata);
    if (!parsed.ok()) return parsed.error();
    metadata = std::move(parsed.value());
  }
  return routing::BuildFacts(request, metadata);
}

namespace {

// Marks every forwarded chunk on the attempt, so the router stops retrying
// after the first byte and can enforce first-token / idle timeouts.
class AttemptSink final : public ChunkSink {
 public:
  AttemptSink(ChunkSink& inner, routing::AttemptInfo& attempt)
      : inner_(inner), attempt_(attempt) {}
  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    attempt_.OnChunk();
    co_return co_await inner_.Write(std::move(chunk));
  }

 private:
  ChunkSink& inner_;
  routing::AttemptInfo& attempt_;
};

void RecordOutcome(RequestContext& ctx, const routing::RouteOutcome& outcome) {
  ctx.target_path = outcome.target_path;
  ctx.attempts = outcome.attempts;
}

// A request with the target's override_params applied, or the original.
template <typename Request>
Result<const Request*> WithOverrides(const routing::Target& target, const Request& request,
                                     std::optional<Request>& storage) {
  if (target.override_params.fields().empty()) return &request;
  storage.emplace(request);
  if (auto applied = routing::ApplyOverrideParams(target.override_params, *storage);
      !applied.ok()) {
    return applied.error();
  }
  return &*storage;
}

}  // namespace

v1::ListModelsResponse Engine::ListModels() const {
  v1::ListModelsResponse models = registry_->ListModels();
  if (routes_ == nullptr) return models;
  std::set<std::string, std::less<>> seen;
  for (const auto& m : models.models()) seen.insert(m.id());
  const int64_t created = models.models().empty() ? 0 : models.models(0).created();
  for (const auto& route : routes_->routes()) {
    std::vector<std::string> ids{route->name()};
    ids.insert(ids.end(), route->models().begin(), route->models().end());
    for (const auto& id : ids) {
      if (id.empty() || !seen.insert(id).second) continue;
      auto* m = models.add_models();
      m->set_id(id);
      m->set_owned_by("route:" + route->name());
      m->set_created(created);
    }
  }
  return models;
}

std::string Engine::TargetStatesJson() const {
  boost::json::array targets;
  for (const auto& t : target_states_->Snapshot()) {
    boost::json::object o;
    o["target"] = t.label;
    o["breaker"] = routing::BreakerStateName(t.breaker);
    o["consecutive_failures"] = t.consecutive_failures;
    o["inflight"] = t.inflight;
    o["queued"] = t.queued;
    o["latency_ms"] = t.latency_ms;
    targets.push_back(std::move(o));
  }
  return boost::json::serialize(boost::json::object{{"targets", std::move(targets)}});
}

Result<GuardrailPlan> Engine::PlanFor(const RequestContext& ctx, std::string_view model,
                                      const routing::Route& route) const {
  if (guardrails_ == nullptr) return GuardrailPlan{};
  return guardrails_->PlanFor(ctx, model, route.name());
}

asio::awaitable<Result<v1::ChatResponse>> Engine::Chat(
    RequestContext& ctx, const v1::ChatRequest& request) {
  if (auto valid = ValidateChatRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = SelectRoute(ctx, request.model());
  if (!route.ok()) co_return route.error();
  auto plan = PlanFor(ctx, request.model(), **route);
  if (!plan.ok()) co_return plan.error();
  if (plan->empty()) co_return co_await RoutedChat(ctx, **route, request, nullptr);
  GuardrailState state(&metrics_);
  v1::ChatRequest guarded = request;
  auto input = co_await RunInputGuardrails(*plan, ctx, guarded, state);
  if (!input.ok()) co_return input.error();
  ResponseCheck check;
  if (!plan->output.empty()) {
    check = [&](v1::ChatResponse& response) -> asio::awaitable<Status> {
      // Each attempt is judged on its own: earlier refusals stay in the
      // results but do not decide this one's verdict.
      auto status = co_await RunOutputGuardrails(*plan, ctx, guarded, response, state);
      if (!status.ok()) {
        const auto& u = response.usage();
        ctx.refused_usage = RequestContext::TokenCounts{
            u.prompt_tokens(), u.completion_tokens(), u.cached_tokens(),
            u.reasoning_tokens()};
      }
      co_return status;
    };
  }
  co_return co_await RoutedChat(ctx, **route, guarded, check);
}

asio::awaitable<Result<v1::ChatResponse>> Engine::RoutedChat(RequestContext& ctx,
                                                             const routing::Route& route,
                                                             const v1::ChatRequest& request,
                                                             const ResponseCheck& check) {
  auto facts = Facts(ctx, request, route);
  if (!facts.ok()) co_return facts.error();
  routing::RouteOutcome outcome;
  auto result = co_await routing::Execute<v1::ChatResponse>(
      route, ctx, {.facts = &*facts, .outcome = &outcome},
      [&](const routing::Target& target,
          routing::AttemptInfo& attempt) -> asio::awaitable<Result<v1::ChatResponse>> {
        Provider* provider = registry_->FindProvider(target.provider);
        std::optional<v1::ChatRequest> storage;
        auto effective = WithOverrides(target, request, storage);
        if (!effective.ok()) co_return effective.error();
        UpstreamCall call{ctx, std::string(attempt.upstream_model()), target.api_key};
        auto response = co_await provider->Chat(call, **effective);
        if (response.ok() && check) {
          auto checked = co_await check(*response);
          if (!checked.ok()) co_return checked.error();
          ctx.refused_usage.reset();
        }
        co_return response;
      });
  RecordOutcome(ctx, outcome);
  co_return result;
}

asio::awaitable<Status> Engine::ChatStream(RequestContext& ctx,
                                           const v1::ChatRequest& request,
                                           ChunkSink& sink, v1::Usage* usage) {
  if (auto valid = ValidateChatRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = SelectRoute(ctx, request.model());
  if (!route.ok()) co_return route.error();
  auto plan = PlanFor(ctx, request.model(), **route);
  if (!plan.ok()) co_return plan.error();
  if (plan->empty()) co_return co_await RoutedChatStream(ctx, **route, request, sink, usage);
  GuardrailState state(&metrics_);
  v1::ChatRequest guarded = request;
  auto input = co_await RunInputGuardrails(*plan, ctx, guarded, state);
  if (!input.ok()) co_return input.error();
  if (plan->output.empty()) {
    co_return co_await RoutedChatStream(ctx, **route, guarded, sink, usage);
  }
  GuardedSink guarded_sink(*plan, ctx, guarded, state, sink);
  auto status = co_await RoutedChatStream(ctx, **route, guarded, guarded_sink, usage);
  // A deny ends the stream with the guardrail's error, whatever the
  // provider made of the interrupted write.
  if (guarded_sink.denied()) co_return *guarded_sink.denied();
  co_return status;
}

asio::awaitable<Status> Engine::RoutedChatStream(RequestContext& ctx,
                                                 const routing::Route& route,
                                                 const v1::ChatRequest& request,
                                                 ChunkSink& sink, v1::Usage* usage) {
  auto facts = Facts(ctx, request, route);
  if (!facts.ok()) co_return facts.error();
  MeteredSink metered(ctx, sink, usage);
  routing::RouteOutcome outcome;
  auto result = co_await routing::Execute<Ok>(
      route, ctx, {.facts = &*facts, .outcome = &outcome, .streaming = true},
      [&](const routing::Target& target,
          routing::AttemptInfo& attempt) -> asio::awaitable<Result<Ok>> {
        Provider* provider = registry_->FindProvider(target.provider);
        std::optional<v1::ChatRequest> storage;
        auto effective = WithOverrides(target, request, storage);
        if (!effective.ok()) co_return effective.error();
        UpstreamCall call{ctx, std::string(attempt.upstream_model()), target.api_key};
        AttemptSink attempt_sink(metered, attempt);
        co_return co_await provider->ChatStream(call, **effective, attempt_sink);
      });
  RecordOutcome(ctx, outcome);
  co_return result;
}

asio::awaitable<Result<v1::EmbedResponse>> Engine::Embed(
    RequestContext& ctx, const v1::EmbedRequest& request) {
  if (auto valid = ValidateEmbedRequest(request); !valid.ok()) {
    co_return valid.error();
  }
  auto route = SelectRoute(ctx, request.model());
  if (!route.ok()) co_return route.error();
  auto facts = Facts(ctx, request, **route);
  if (!facts.ok()) co_return facts.error();
  routing::RouteOutcome outcome;
  auto result = co_await routing::Execute<v1::EmbedResponse>(
      **route, ctx, {.facts = &*facts, .outcome = &outcome},
      [&](const routing::Target& target,
          routing::AttemptInfo& attempt) -> asio::awaitable<Result<v1::EmbedResponse>> {
        Provider* provider = registry_->FindProvider(target.provider);
        std::optional<v1::EmbedRequest> storage;
        auto effective = WithOverrides(target, request, storage);
        if (!effective.ok()) co_return effective.error();
        UpstreamCall call{ctx, std::string(attempt.upstream_model()), target.api_key};
        co_return co_await provider->Embed(call, **effective);
      });
  RecordOutcome(ctx, outcome);
  co_return result;
}

}  // namespace across
