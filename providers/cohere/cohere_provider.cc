#include "providers/cohere/cohere_provider.h"

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/cohere/cohere_wire.h"
#include "providers/common/upstream_call.h"

namespace across {
namespace {

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
  return ScrubSecrets(std::move(error), info_.id, SecretInUse(call, api_key_));
}

Error CohereProvider::UpstreamFailure(const UpstreamResponse& response,
                                      const UpstreamCall& call) const {
  Error e = cohere::ParseError(response.status, response.body, info_.id);
  e.retry_after = RetryAfter(response);
  return Named(std::move(e), call);
}

Result<UpstreamRequest> CohereProvider::BuildRequest(const UpstreamCall& call,
                                                     std::string_view path,
                                                     std::string body,
                                                     bool stream) const {
  if (call.ctx.http == nullptr) {
    return Error::Internal(info_.id + ": no upstream HTTP client");
  }
  auto url = UpstreamUrl(info_.id, config_, path);
  if (!url.ok()) return url.error();
  UpstreamRequest req = JsonPost(config_, call.ctx, std::move(url.value()),
                                 std::move(body), stream);
  ApplyAuth(req, call, config_, api_key_, "authorization", CallerAuth::kAsSent);
  AppendConfiguredHeaders(req, config_);
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
