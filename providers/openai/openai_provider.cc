#include "providers/openai/openai_provider.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <utility>
#include <vector>

#include "gateway/upstream/sse_parser.h"
#include "providers/common/upstream_call.h"
#include "providers/openai/openai_wire.h"

namespace across {
namespace {

// An SSE data payload of the form {"error": ...}. The substring test keeps
// the extra parse off the path of ordinary chunks.
bool IsErrorPayload(std::string_view data) {
  if (data.find("\"error\"") == std::string_view::npos) return false;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(
      boost::json::string_view(data.data(), data.size()), ec);
  if (ec || !v.is_object()) return false;
  const boost::json::value* e = v.get_object().if_contains("error");
  return e != nullptr && !e->is_null();
}

// Translates one upstream SSE stream into chunks written to the sink. Lives
// in ChatStream's frame; the body handler only holds a pointer to it, so it
// does not matter how the HttpClient stores or copies the handler.
class StreamState {
 public:
  StreamState(const std::string& provider_id, const std::string& model,
              RequestContext& ctx, ChunkSink& sink)
      : id_(provider_id), model_(model), ctx_(ctx), sink_(sink) {}

  asio::awaitable<bool> OnBody(std::string_view bytes) {
    received_bytes_ = true;
    // After [DONE] the rest is drained so the connection can be reused.
    if (done_) co_return true;
    if (failure_) co_return false;
    parser_.Feed(bytes, [this](const SseEvent& ev) { return OnEvent(ev); });
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

  bool done() const { return done_; }
  bool client_gone() const { return client_gone_; }
  bool received_bytes() const { return received_bytes_; }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bool OnEvent(const SseEvent& ev) {
    if (ev.data == "[DONE]") {
      done_ = true;
      return false;
    }
    if (ev.event == "error" || IsErrorPayload(ev.data)) {
      failure_ = openai::ParseUpstreamError(502, ev.data, id_);
      return false;
    }
    if (ev.data.empty()) return true;
    auto chunk = openai::ParseChatChunk(ev.data);
    if (!chunk.ok()) {
      failure_ = Error::Unavailable(id_ + ": malformed stream chunk");
      return false;
    }
    // Keep-alive or annotation-only chunks (e.g. Azure's prompt filter
    // results) carry nothing for the client.
    if (chunk->choices_size() == 0 && !chunk->has_usage()) return true;
    chunk->set_provider(id_);
    if (chunk->model().empty()) chunk->set_model(model_);
    ready_.push_back(std::move(chunk.value()));
    return true;
  }

  const std::string& id_;
  const std::string& model_;
  RequestContext& ctx_;
  ChunkSink& sink_;
  SseParser parser_;
  std::vector<v1::ChatChunk> ready_;
  std::optional<Error> failure_;
  bool done_ = false;
  bool client_gone_ = false;
  bool received_bytes_ = false;
};

}  // namespace

OpenAiProvider::OpenAiProvider(::across::config::v1::ProviderConfig config,
                               std::string api_key, OpenAiEndpoints endpoints)
    : config_(std::move(config)),
      api_key_(std::move(api_key)),
      endpoints_(std::move(endpoints)) {
  info_.id = config_.id();
  info_.type = "openai";
}

std::string OpenAiProvider::Path(std::string_view operation,
                                 std::string_view model) const {
  if (endpoints_.path) return endpoints_.path(operation, model);
  std::string path = "/";
  path += operation;
  return path;
}

Error OpenAiProvider::Named(Error error, const UpstreamCall& call) const {
  return ScrubSecrets(std::move(error), info_.id, SecretInUse(call, api_key_));
}

Error OpenAiProvider::UpstreamFailure(const UpstreamResponse& response,
                                      const UpstreamCall& call) const {
  Error e =
      openai::ParseUpstreamError(response.status, response.body, info_.id);
  e.retry_after = RetryAfter(response);
  return Named(std::move(e), call);
}

Result<UpstreamRequest> OpenAiProvider::BuildRequest(const UpstreamCall& call,
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

asio::awaitable<Result<v1::ChatResponse>> OpenAiProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto req =
      BuildRequest(call, Path("chat/completions", model),
                   openai::SerializeChatRequest(request, model, false), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = openai::ParseChatResponse(res->body);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::ChatResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  if (resp.model().empty()) resp.set_model(model);
  co_return resp;
}

asio::awaitable<Status> OpenAiProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto req =
      BuildRequest(call, Path("chat/completions", model),
                   openai::SerializeChatRequest(request, model, true), true);
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
    if (state.done()) co_return Ok{};  // lost only the tail after [DONE]
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

asio::awaitable<Result<v1::EmbedResponse>> OpenAiProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  const std::string& model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  auto req = BuildRequest(call, Path("embeddings", model),
                          openai::SerializeEmbedRequest(request, model), false);
  if (!req.ok()) co_return req.error();
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()), call);
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res, call);
  auto parsed = openai::ParseEmbedResponse(res->body);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()), call);
  v1::EmbedResponse resp = std::move(parsed.value());
  resp.set_provider(info_.id);
  if (resp.model().empty()) resp.set_model(model);
  co_return resp;
}

}  // namespace across
