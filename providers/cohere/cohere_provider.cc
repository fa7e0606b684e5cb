#include "providers/cohere/cohere_provider.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/common/ascii.h"
#include "gateway/upstream/sse_parser.h"
#include "providers/cohere/cohere_wire.h"
#include "providers/openai/openai_provider.h"  // ParseRetryAfter

namespace across {
namespace {

using std::chrono::milliseconds;

bool Is2xx(int status) { return status >= 200 && status < 300; }

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// The credential this call sends upstream, whatever its source.
std::string_view SecretInUse(const UpstreamCall& call,
                             const std::string& configured) {
  if (!call.api_key_override.empty()) return call.api_key_override;
  if (!configured.empty()) return configured;
  std::string_view auth = call.ctx.headers.authorization;
  if (auth.size() > 7 && EqualsIgnoreCase(auth.substr(0, 7), "bearer ")) {
    auth.remove_prefix(7);
  }
  return TrimSpaces(auth);
}

bool CarriesOutput(const v1::ChatChunk& chunk) {
  for (const auto& c : chunk.choices()) {
    const auto& d = c.delta();
    if (!d.content().empty() || d.tool_calls_size() > 0 ||
        !d.reasoning_content().empty()) {
      return true;
    }
  }
  return false;
}

// Feeds the upstream SSE bytes through the translator and writes the chunks
// to the sink. Lives in ChatStream's frame; the body handler only holds a
// pointer to it.
class StreamState {
 public:
  StreamState(const std::string& provider_id, std::string model,
              RequestContext& ctx, ChunkSink& sink)
      : id_(provider_id),
        translator_(std::move(model), static_cast<int64_t>(std::time(nullptr))),
        ctx_(ctx),
        sink_(sink) {}

  asio::awaitable<bool> OnBody(std::string_view bytes) {
    received_bytes_ = true;
    // After message-end the rest ("data: [DONE]") is drained so the
    // connection can be reused.
    if (translator_.done()) co_return true;
    if (failure_) co_return false;
    parser_.Feed(bytes, [this](const SseEvent& ev) { return OnEvent(ev); });
    for (auto& chunk : ready_) {
      if (!ctx_.first_token && CarriesOutput(chunk)) {
        ctx_.first_token = Clock::now();
      }
      chunk.set_provider(id_);
      if (!co_await sink_.Write(std::move(chunk))) {
        client_gone_ = true;
        ready_.clear();
        co_return false;
      }
    }
    ready_.clear();
    co_return !failure_;
  }

  bool done() const { return translator_.done() && !failure_; }
  bool client_gone() const { return client_gone_; }
  bool received_bytes() const { return received_bytes_; }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bool OnEvent(const SseEvent& ev) {
    Status st = translator_.OnEvent(ev.event, ev.data, &ready_);
    if (!st.ok()) {
      failure_ = std::move(st.error());
      return false;
    }
    return !translator_.done();
  }

  const std::string& id_;
  cohere::StreamTranslator translator_;
  RequestContext& ctx_;
  ChunkSink& sink_;
  SseParser parser_;
  std::vector<v1::ChatChunk> ready_;
  std::optional<Error> failure_;
  bool client_gone_ = false;
  bool received_bytes_ = false;
};

}  // namespace

CohereProvider::CohereProvider(::across::config::v1::ProviderConfig config,
                               std::string api_key)
    : config_(std::move(config)), api_key_(std::move(api_key)) {
  info_.id = config_.id();
  info_.type = "cohere";
}

Error CohereProvider::Named(Error error, const UpstreamCall& call) const {
  std::string_view secret = SecretInUse(call, api_key_);
  // Short strings would redact ordinary words; real keys are long.
  if (secret.size() >= 8) {
    for (size_t pos = error.message.find(secret); pos != std::string::npos;
         pos = error.message.find(secret, pos)) {
      error.message.replace(pos, secret.size(), "[REDACTED]");
    }
  }
  const std::string prefix = info_.id + ": ";
  if (error.message.compare(0, prefix.size(), prefix) != 0) {
    error.message.insert(0, prefix);
  }
  return error;
}

Error CohereProvider::UpstreamFailure(const UpstreamResponse& response,
                                      const UpstreamCall& call) const {
  Error e = cohere::ParseError(response.status, response.body, info_.id);
  e.retry_after = ParseRetryAfter(response.Header("retry-after-ms"),
                                  response.Header("retry-after"));
  return Named(std::move(e), call);
}

Result<UpstreamRequest> CohereProvider::BuildRequest(const UpstreamCall& call,
                                                     std::string_view path,
                                                     std::string body,
                                                     bool stream) const {
  if (call.ctx.http == nullptr) {
    return Error::Internal(info_.id + ": no upstream HTTP client");
  }
  auto url = Url::Join(config_.base_url(), path);
  if (!url.ok()) {
    return Error::Internal(info_.id +
                           ": invalid base_url: " + url.error().message);
  }
  UpstreamRequest req;
  req.method = "POST";
  req.url = std::move(url.value());
  req.body = std::move(body);
  req.headers.reserve(3 + static_cast<size_t>(config_.headers_size()));
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("accept",
                           stream ? "text/event-stream" : "application/json");

  const std::string auth_header =
      config_.auth_header().empty() ? "authorization" : config_.auth_header();
  const bool bearer = EqualsIgnoreCase(auth_header, "authorization");
  bool header_configured = false;
  for (const auto& [name, value] : config_.headers()) {
    if (EqualsIgnoreCase(name, auth_header)) header_configured = true;
  }
  if (!header_configured) {
    const std::string& key =
        call.api_key_override.empty() ? api_key_ : call.api_key_override;
    if (!key.empty()) {
      req.headers.emplace_back(auth_header, bearer ? "Bearer " + key : key);
    } else if (!call.ctx.headers.authorization.empty()) {
      // No key of our own: the caller's credential goes through as is.
      req.headers.emplace_back(
          auth_header, bearer ? call.ctx.headers.authorization
                              : std::string(SecretInUse(call, api_key_)));
    }
  }
  for (const auto& [name, value] : config_.headers()) {
    req.headers.emplace_back(name, value);
  }
  const milliseconds timeout(
      config_.request_timeout_ms() > 0 ? config_.request_timeout_ms() : 600000);
  req.deadline = std::min(call.ctx.deadline, Clock::now() + timeout);
  req.connect_timeout = milliseconds(
      config_.connect_timeout_ms() > 0 ? config_.connect_timeout_ms() : 5000);
  req.insecure_skip_verify = config_.insecure_skip_verify();
  return req;
}

asio::awaitable<Result<v1::ChatResponse>> CohereProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto body = cohere::BuildChatRequestBody(request, model, false);
  if (!body.ok()) co_return Named(std::move(body.error()), call);
  auto req = BuildRequest(call, "/chat", std::move(body.value()), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = cohere::ParseChatResponse(res->body, model);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::ChatResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  co_return resp;
}

asio::awaitable<Status> CohereProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto body = cohere::BuildChatRequestBody(request, model, true);
  if (!body.ok()) co_return Named(std::move(body.error()), call);
  auto req = BuildRequest(call, "/chat", std::move(body.value()), true);
  if (!req.ok()) co_return req.error();
  StreamState state(info_.id, model, call.ctx, sink);
  StreamState* s = &state;
  auto res = co_await call.ctx.http->SendStreaming(
      std::move(req.value()),
      [s](std::string_view bytes) { return s->OnBody(bytes); });
  if (state.client_gone()) {
    co_return Error::FromHttpStatus(499, info_.id + ": client cancelled");
  }
  if (state.failure()) co_return Named(*state.failure(), call);
  if (!res.ok()) {
    if (state.done()) co_return Ok{};  // lost only the tail after message-end
    // A connection lost mid-stream; timeouts and cancellation keep their own
    // status.
    if (state.received_bytes() && res.error().http_status == 502) {
      co_return Error::Unavailable(info_.id + ": upstream stream truncated");
    }
    co_return Named(std::move(res.error()), call);
  }
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  if (!state.done()) {
    co_return Error::Unavailable(info_.id + ": upstream stream truncated");
  }
  co_return Ok{};
}

asio::awaitable<Result<v1::EmbedResponse>> CohereProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto req = BuildRequest(call, "/embed",
                          cohere::BuildEmbedRequestBody(request, model), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = cohere::ParseEmbedResponse(res->body, model);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::EmbedResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  co_return resp;
}

}  // namespace across
