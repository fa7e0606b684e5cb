#include "providers/anthropic/anthropic_provider.h"

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/anthropic/anthropic_stream.h"
#include "providers/anthropic/anthropic_wire.h"
#include "providers/common/upstream_call.h"

namespace across {
namespace {

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
  return ScrubSecrets(std::move(error), info_.id, SecretInUse(call, api_key_));
}

Error AnthropicProvider::UpstreamFailure(const UpstreamResponse& response,
                                         const UpstreamCall& call) const {
  Error e = anthropic::ParseError(response.status, response.body, info_.id);
  e.retry_after = RetryAfter(response);
  return Named(std::move(e), call);
}

Result<UpstreamRequest> AnthropicProvider::BuildRequest(
    const UpstreamCall& call, const v1::ChatRequest& request,
    bool stream) const {
  auto url = UpstreamUrl(info_.id, config_, "/messages");
  if (!url.ok()) return url.error();
  anthropic::BuildOptions options;
  options.model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  options.stream = stream;
  options.default_max_tokens = config_.default_max_tokens();
  auto body = anthropic::BuildRequestBody(request, options);
  if (!body.ok()) return Named(std::move(body.error()), call);

  UpstreamRequest req = JsonPost(config_, call.ctx, std::move(url.value()),
                                 std::move(body.value()), stream);
  // Anthropic takes the raw key in x-api-key; "authorization" (Bearer) is
  // there for compatible proxies that want it.
  ApplyAuth(req, call, config_, api_key_, "x-api-key", CallerAuth::kAsKey);
  if (!HasConfiguredHeader(config_, "anthropic-version")) {
    req.headers.emplace_back("anthropic-version",
                             config_.api_version().empty()
                                 ? std::string(anthropic::kDefaultApiVersion)
                                 : config_.api_version());
  }
  AppendConfiguredHeaders(req, config_);
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
