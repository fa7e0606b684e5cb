#include "providers/anthropic/anthropic_provider.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/anthropic/anthropic_stream.h"
#include "providers/anthropic/anthropic_wire.h"
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

void ReplaceAll(std::string& s, std::string_view needle,
                std::string_view replacement) {
  if (needle.empty()) return;
  for (size_t pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + replacement.size())) {
    s.replace(pos, needle.size(), replacement);
  }
}

// The credential this call sends upstream, whatever its source: the
// override, the configured key, or the caller's bearer token.
std::string_view SecretInUse(const UpstreamCall& call,
                             const std::string& configured) {
  if (!call.api_key_override.empty()) return call.api_key_override;
  if (!configured.empty()) return configured;
  std::string_view auth = call.ctx.headers.authorization;
  if (auth.size() > 7 && boost::algorithm::istarts_with(auth, "bearer ")) {
    auth.remove_prefix(7);
  }
  return TrimSpaces(auth);
}

bool CarriesOutput(const v1::ChatChunk& chunk) {
  for (const auto& c : chunk.choices()) {
    const auto& d = c.delta();
    if (!d.content().empty() || d.tool_calls_size() > 0 ||
        !d.refusal().empty() || !d.reasoning_content().empty()) {
      return true;
    }
  }
  return false;
}

// Feeds one upstream event stream through the translator and writes the
// chunks to the sink. Lives in ChatStream's frame; the body handler only
// holds a pointer to it.
class StreamState {
 public:
  StreamState(const std::string& provider_id, const std::string& model,
              RequestContext& ctx, ChunkSink& sink)
      : translator_(provider_id, model,
                    static_cast<int64_t>(std::time(nullptr))),
        ctx_(ctx),
        sink_(sink) {}

  asio::awaitable<bool> OnBody(std::string_view bytes) {
    received_bytes_ = true;
    // After message_stop the rest is drained so the connection can be
    // reused.
    if (translator_.done()) co_return true;
    if (translator_.failure()) co_return false;
    parser_.Feed(bytes, [this](const SseEvent& ev) {
      return translator_.OnEvent(ev.event, ev.data, &ready_);
    });
    for (auto& chunk : ready_) {
      if (!ctx_.first_token && CarriesOutput(chunk)) {
        ctx_.first_token = Clock::now();
      }
      if (!co_await sink_.Write(std::move(chunk))) {
        client_gone_ = true;
        ready_.clear();
        co_return false;
      }
    }
    ready_.clear();
    co_return !translator_.failure().has_value();
  }

  bool done() const { return translator_.done(); }
  bool client_gone() const { return client_gone_; }
  bool received_bytes() const { return received_bytes_; }
  const std::optional<Error>& failure() const { return translator_.failure(); }

 private:
  anthropic::StreamTranslator translator_;
  RequestContext& ctx_;
  ChunkSink& sink_;
  SseParser parser_;
  std::vector<v1::ChatChunk> ready_;
  bool client_gone_ = false;
  bool received_bytes_ = false;
};

}  // namespace

AnthropicProvider::AnthropicProvider(
    ::across::config::v1::ProviderConfig config, std::string api_key)
    : config_(std::move(config)), api_key_(std::move(api_key)) {
  info_.id = config_.id();
  info_.type = "anthropic";
}

Error AnthropicProvider::Named(Error error, const UpstreamCall& call) const {
  std::string_view secret = SecretInUse(call, api_key_);
  // Short strings would redact ordinary words; real keys are long.
  if (secret.size() >= 8) ReplaceAll(error.message, secret, "[REDACTED]");
  const std::string prefix = info_.id + ": ";
  if (error.message.compare(0, prefix.size(), prefix) != 0) {
    error.message.insert(0, prefix);
  }
  return error;
}

Error AnthropicProvider::UpstreamFailure(const UpstreamResponse& response,
                                         const UpstreamCall& call) const {
  Error e = anthropic::ParseError(response.status, response.body, info_.id);
  e.retry_after = ParseRetryAfter(response.Header("retry-after-ms"),
                                  response.Header("retry-after"));
  return Named(std::move(e), call);
}

Result<UpstreamRequest> AnthropicProvider::BuildRequest(
    const UpstreamCall& call, const v1::ChatRequest& request,
    bool stream) const {
  auto url = Url::Join(config_.base_url(), "/messages");
  if (!url.ok()) {
    return Error::Internal(info_.id +
                           ": invalid base_url: " + url.error().message);
  }
  anthropic::BuildOptions options;
  options.model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  options.stream = stream;
  options.default_max_tokens = config_.default_max_tokens();
  auto body = anthropic::BuildRequestBody(request, options);
  if (!body.ok()) return Named(std::move(body.error()), call);

  UpstreamRequest req;
  req.method = "POST";
  req.url = std::move(url.value());
  req.body = std::move(body.value());
  req.headers.reserve(4 + static_cast<size_t>(config_.headers_size()));
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("accept",
                           stream ? "text/event-stream" : "application/json");

  // Anthropic takes the raw key in x-api-key; "authorization" (Bearer) is
  // there for compatible proxies that want it.
  const std::string auth_header =
      config_.auth_header().empty() ? "x-api-key" : config_.auth_header();
  const bool bearer = boost::algorithm::iequals(auth_header, "authorization");
  bool auth_configured = false;
  bool version_configured = false;
  for (const auto& [name, value] : config_.headers()) {
    if (boost::algorithm::iequals(name, auth_header)) auth_configured = true;
    if (boost::algorithm::iequals(name, "anthropic-version")) {
      version_configured = true;
    }
  }
  if (!auth_configured) {
    std::string_view key = SecretInUse(call, api_key_);
    if (!key.empty()) {
      req.headers.emplace_back(auth_header, bearer
                                                ? "Bearer " + std::string(key)
                                                : std::string(key));
    }
  }
  if (!version_configured) {
    req.headers.emplace_back("anthropic-version",
                             config_.api_version().empty()
                                 ? std::string(anthropic::kDefaultApiVersion)
                                 : config_.api_version());
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

asio::awaitable<Result<v1::ChatResponse>> AnthropicProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  if (call.ctx.http == nullptr) {
    co_return Error::Internal(info_.id + ": no upstream HTTP client");
  }
  auto req = BuildRequest(call, request, false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = anthropic::ParseResponse(res->body);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::ChatResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  resp.set_created(static_cast<int64_t>(std::time(nullptr)));
  if (resp.model().empty()) {
    resp.set_model(call.upstream_model.empty() ? request.model()
                                               : call.upstream_model);
  }
  co_return resp;
}

asio::awaitable<Status> AnthropicProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  if (call.ctx.http == nullptr) {
    co_return Error::Internal(info_.id + ": no upstream HTTP client");
  }
  auto req = BuildRequest(call, request, true);
  if (!req.ok()) co_return req.error();
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
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
    if (state.done()) co_return Ok{};  // lost only the tail after message_stop
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

asio::awaitable<Result<v1::EmbedResponse>> AnthropicProvider::Embed(
    UpstreamCall&, const v1::EmbedRequest&) {
  co_return Error::Unimplemented(info_.id + ": embeddings are not supported");
}

}  // namespace across
