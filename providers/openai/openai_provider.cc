#include "providers/openai/openai_provider.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <ctime>
#include <iomanip>
#include <locale>
#include <sstream>
#include <utility>
#include <vector>

#include "gateway/common/ascii.h"
#include "gateway/upstream/sse_parser.h"
#include "providers/openai/openai_wire.h"

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

// The credential this call sends upstream, whatever its source.
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

std::optional<milliseconds> ParseRetryAfter(
    std::string_view retry_after_ms, std::string_view retry_after,
    std::chrono::system_clock::time_point now) {
  auto number = [](std::string_view s) -> std::optional<double> {
    s = TrimSpaces(s);
    double v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() ||
        !(v >= 0) || v > 1e9) {
      return std::nullopt;
    }
    return v;
  };
  if (auto ms = number(retry_after_ms)) {
    return milliseconds(static_cast<int64_t>(*ms + 0.5));
  }
  if (auto secs = number(retry_after)) {
    return milliseconds(static_cast<int64_t>(*secs * 1000 + 0.5));
  }
  std::string_view date = TrimSpaces(retry_after);
  if (date.empty()) return std::nullopt;
  // HTTP-date, IMF-fixdate form: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::istringstream in{std::string(date)};
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S");
  if (in.fail()) return std::nullopt;
  const auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (when <= now) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(when - now);
}

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
  std::string_view secret = SecretInUse(call, api_key_);
  // Short strings would redact ordinary words; real keys are long.
  if (secret.size() >= 8) ReplaceAll(error.message, secret, "[REDACTED]");
  const std::string prefix = info_.id + ": ";
  if (error.message.compare(0, prefix.size(), prefix) != 0) {
    error.message.insert(0, prefix);
  }
  return error;
}

Error OpenAiProvider::UpstreamFailure(const UpstreamResponse& response,
                                      const UpstreamCall& call) const {
  Error e =
      openai::ParseUpstreamError(response.status, response.body, info_.id);
  e.retry_after = ParseRetryAfter(response.Header("retry-after-ms"),
                                  response.Header("retry-after"));
  return Named(std::move(e), call);
}

Result<UpstreamRequest> OpenAiProvider::BuildRequest(const UpstreamCall& call,
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
