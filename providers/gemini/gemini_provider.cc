#include "providers/gemini/gemini_provider.h"

#include <ctime>
#include <optional>
#include <utility>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/common/upstream_call.h"
#include "providers/gemini/gemini_error.h"
#include "providers/gemini/gemini_request.h"
#include "providers/gemini/gemini_response.h"
#include "providers/gemini/gemini_stream.h"

namespace across {
namespace {

constexpr std::string_view kDefaultAuthHeader = "x-goog-api-key";

// Gemini returns no creation time or (sometimes) id; the gateway makes them.
std::string NewCompletionId() {
  return "chatcmpl-" + NewTraceId().substr(0, 24);
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

// Feeds the upstream SSE body through the translator and writes the chunks
// to the sink. Lives in ChatStream's frame; the body handler holds a
// pointer to it.
class StreamState {
 public:
  StreamState(gemini::StreamTranslator& translator, RequestContext& ctx,
              ChunkSink& sink)
      : translator_(translator), ctx_(ctx), sink_(sink) {}

  asio::awaitable<bool> OnBody(std::string_view bytes) {
    received_bytes_ = true;
    if (failure_) co_return false;
    parser_.Feed(bytes, [this](const SseEvent& ev) { return OnEvent(ev); });
    co_return co_await Flush();
  }

  // After the body ended cleanly: a last event without its blank line, then
  // the usage chunk.
  asio::awaitable<void> End() {
    if (parser_.HasPartialEvent()) {
      parser_.Feed("\n\n", [this](const SseEvent& ev) { return OnEvent(ev); });
    }
    if (!failure_) {
      Status s = translator_.Finish(ready_);
      if (!s.ok()) failure_ = std::move(s.error());
    }
    co_await Flush();
  }

  bool client_gone() const { return client_gone_; }
  bool received_bytes() const { return received_bytes_; }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bool OnEvent(const SseEvent& ev) {
    Status s = translator_.OnEvent(ev.data, ready_);
    if (!s.ok()) {
      failure_ = std::move(s.error());
      return false;
    }
    return true;
  }

  asio::awaitable<bool> Flush() {
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
    co_return !failure_;
  }

  gemini::StreamTranslator& translator_;
  RequestContext& ctx_;
  ChunkSink& sink_;
  SseParser parser_;
  std::vector<v1::ChatChunk> ready_;
  std::optional<Error> failure_;
  bool client_gone_ = false;
  bool received_bytes_ = false;
};

}  // namespace

GeminiProvider::GeminiProvider(::across::config::v1::ProviderConfig config,
                               std::string api_key)
    : config_(std::move(config)), api_key_(std::move(api_key)) {
  info_.id = config_.id();
  info_.type = "gemini";
}

Error GeminiProvider::Named(Error error, const UpstreamCall& call) const {
  gemini::RedactSecrets(error.message, SecretInUse(call, api_key_));
  return WithProviderPrefix(std::move(error), info_.id);
}

Error GeminiProvider::UpstreamFailure(const UpstreamResponse& response,
                                      const UpstreamCall& call) const {
  Error e =
      gemini::ParseUpstreamError(response.status, response.body, info_.id);
  // A Retry-After header wins over the body's RetryInfo.
  if (auto header = RetryAfter(response)) {
    e.retry_after = header;
  }
  return Named(std::move(e), call);
}

Result<UpstreamRequest> GeminiProvider::BuildRequest(const UpstreamCall& call,
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
  ApplyAuth(req, call, config_, api_key_, kDefaultAuthHeader,
            CallerAuth::kAsKey);
  AppendConfiguredHeaders(req, config_);
  return req;
}

asio::awaitable<Result<v1::ChatResponse>> GeminiProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto body = gemini::BuildChatRequestBody(request);
  if (!body.ok()) co_return Named(std::move(body.error()), call);
  auto req = BuildRequest(call, gemini::MethodPath(model, "generateContent"),
                          std::move(body.value()), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = gemini::ParseChatResponse(
      res->body, {NewCompletionId(), Now(), model}, info_.id);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::ChatResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  co_return resp;
}

asio::awaitable<Status> GeminiProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto body = gemini::BuildChatRequestBody(request);
  if (!body.ok()) co_return Named(std::move(body.error()), call);
  auto req = BuildRequest(
      call, gemini::MethodPath(model, "streamGenerateContent?alt=sse"),
      std::move(body.value()), true);
  if (!req.ok()) co_return req.error();
  gemini::StreamTranslator translator(info_.id, NewCompletionId(), Now(),
                                      model);
  StreamState state(translator, call.ctx, sink);
  StreamState* s = &state;
  auto res = co_await call.ctx.http->SendStreaming(
      std::move(req.value()),
      [s](std::string_view bytes) { return s->OnBody(bytes); });
  if (state.client_gone()) {
    co_return Error::FromHttpStatus(499, info_.id + ": client cancelled");
  }
  if (state.failure()) co_return Named(*state.failure(), call);
  if (!res.ok()) {
    // Lost only the end of the message after the last payload: the answer
    // is whole.
    const bool tail_only =
        translator.finished() && res.error().http_status == 502;
    if (!tail_only) {
      if (state.received_bytes() && res.error().http_status == 502) {
        co_return Error::Unavailable(info_.id + ": upstream stream truncated");
      }
      co_return Named(std::move(res.error()), call);
    }
  } else if (!Is2xx(res->status)) {
    co_return UpstreamFailure(*res, call);
  }
  co_await state.End();
  if (state.client_gone()) {
    co_return Error::FromHttpStatus(499, info_.id + ": client cancelled");
  }
  if (state.failure()) co_return Named(*state.failure(), call);
  co_return Ok{};
}

asio::awaitable<Result<v1::EmbedResponse>> GeminiProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto body = gemini::BuildEmbedRequestBody(request, model);
  if (!body.ok()) co_return Named(std::move(body.error()), call);
  const char* method =
      gemini::IsBatchEmbed(request) ? "batchEmbedContents" : "embedContent";
  auto req = BuildRequest(call, gemini::MethodPath(model, method),
                          std::move(body.value()), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed =
      gemini::ParseEmbedResponse(res->body, request.input_size(), info_.id);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::EmbedResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  resp.set_model(model);
  co_return resp;
}

}  // namespace across
