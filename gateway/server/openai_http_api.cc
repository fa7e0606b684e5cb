#include "gateway/server/openai_http_api.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

#include "providers/openai/openai_wire.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

using Response = http::response<http::string_body>;

// Routing headers, identical to the gRPC metadata the gRPC front end reads.
void ReadRoutingHeaders(const OpenAiHttpApi::Request& req, RoutingHeaders& out) {
  for (const auto& field : req) out.Accept(field.name_string(), field.value());
}

void SetCommonHeaders(Response& res, const RequestContext* ctx) {
  res.set(http::field::server, "across-gateway");
  if (ctx == nullptr) return;
  if (!ctx->trace_id.empty()) res.set(kTraceIdHeader, ctx->trace_id);
  if (!ctx->provider.empty()) res.set(kProviderHeader, ctx->provider);
  if (!ctx->upstream_model.empty()) res.set(kModelHeader, ctx->upstream_model);
  if (!ctx->target_path.empty()) res.set(kTargetHeader, ctx->target_path);
  if (ctx->attempts > 0) res.set(kAttemptsHeader, std::to_string(ctx->attempts));
  if (!ctx->guardrail_verdict.empty()) {
    res.set("x-across-guardrail-verdict", ctx->guardrail_verdict);
  }
}

// Adds `"guardrail_results": [...]` beside the top-level keys of a JSON
// object body (OpenAI SDKs ignore unknown keys; Portkey users expect the
// results in the body).
void AddGuardrailResults(std::string& body, const std::string& results) {
  if (results.empty() || body.empty() || body.back() != '}') return;
  body.pop_back();
  body += ",\"guardrail_results\":";
  body += results;
  body += '}';
}

Response JsonResponse(const OpenAiHttpApi::Request& req, http::status status,
                      std::string body, const RequestContext* ctx) {
  Response res{status, req.version()};
  SetCommonHeaders(res, ctx);
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response ErrorResponse(const OpenAiHttpApi::Request& req, const Error& error,
                       const RequestContext* ctx) {
  std::string body = openai::SerializeError(error);
  AddGuardrailResults(body, error.details);
  Response res = JsonResponse(req, static_cast<http::status>(error.http_status),
                              std::move(body), ctx);
  if (error.retry_after) {
    auto seconds = (error.retry_after->count() + 999) / 1000;
    res.set(http::field::retry_after, std::to_string(seconds));
    res.set("retry-after-ms", std::to_string(error.retry_after->count()));
  }
  return res;
}

asio::awaitable<bool> Send(beast::tcp_stream& stream, Response res) {
  bool keep_alive = res.keep_alive();
  auto [ec, n] = co_await http::async_write(stream, res, kTuple);
  co_return !ec && keep_alive;
}

// Streams chunks as Server-Sent Events. Headers go out with the first chunk,
// so that a failure before any output is still a plain JSON error response.
class SseSink final : public ChunkSink {
 public:
  SseSink(beast::tcp_stream& stream, const OpenAiHttpApi::Request& req,
          RequestContext& ctx, bool include_usage)
      : stream_(stream), req_(req), ctx_(ctx), include_usage_(include_usage) {}

  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    // The gateway always asks upstream for usage (for metering); the client
    // sees the usage-only chunk only if it asked for it.
    if (chunk.choices().empty() && chunk.has_usage() && !include_usage_) co_return ok_;
    std::string event = "data: ";
    event += openai::SerializeChatChunk(chunk);
    event += "\n\n";
    co_return co_await WriteEvent(event);
  }

  bool started() const { return started_; }

  // Ends a started stream: [DONE] on success, an explicit error event on
  // failure (never a silent truncation), then the terminating chunk.
  asio::awaitable<bool> Finish(const Error* error) {
    if (error != nullptr) {
      std::string event = "event: error\ndata: ";
      event += openai::SerializeError(*error);
      event += "\n\n";
      co_await WriteEvent(event);
    } else {
      co_await WriteEvent("data: [DONE]\n\n");
    }
    if (!ok_) co_return false;
    auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk_last(), kTuple);
    co_return !ec && req_.keep_alive();
  }

 private:
  asio::awaitable<bool> WriteEvent(std::string_view event) {
    if (!ok_) co_return false;
    if (!started_) {
      started_ = true;
      http::response<http::empty_body> res{http::status::ok, req_.version()};
      res.set(http::field::server, "across-gateway");
      res.set(http::field::content_type, "text/event-stream");
      res.set(http::field::cache_control, "no-cache");
      res.set(kTraceIdHeader, ctx_.trace_id);
      res.set(kProviderHeader, ctx_.provider);
      res.set(kModelHeader, ctx_.upstream_model);
      // Streams commit to one target before the first byte: known by now.
      if (!ctx_.target_path.empty()) res.set(kTargetHeader, ctx_.target_path);
      if (ctx_.attempts > 0) res.set(kAttemptsHeader, std::to_string(ctx_.attempts));
      if (!ctx_.guardrail_verdict.empty()) {
        res.set("x-across-guardrail-verdict", ctx_.guardrail_verdict);
      }
      res.keep_alive(req_.keep_alive());
      res.chunked(true);
      http::response_serializer<http::empty_body> sr{res};
      auto [ec, n] = co_await http::async_write_header(stream_, sr, kTuple);
      if (ec) {
        ok_ = false;
        co_return false;
      }
    }
    auto [ec, n] = co_await asio::async_write(
        stream_, http::make_chunk(asio::buffer(event.data(), event.size())), kTuple);
    if (ec) ok_ = false;
    co_return ok_;
  }

  beast::tcp_stream& stream_;
  const OpenAiHttpApi::Request& req_;
  RequestContext& ctx_;
  bool include_usage_;
  bool started_ = false;
  bool ok_ = true;
};

Error RouteNotFound(const OpenAiHttpApi::Request& req) {
  Error e = Error::NotFound("Invalid URL (" + std::string(req.method_string()) + " " +
                            std::string(req.target()) + ")");
  return e;
}

bool WantsBase64(const v1::EmbedRequest& request) {
  const auto& fields = request.extra_params().fields();
  auto it = fields.find("encoding_format");
  return it != fields.end() && it->second.string_value() == "base64";
}

}  // namespace

asio::awaitable<bool> OpenAiHttpApi::Handle(beast::tcp_stream& stream,
                                            Request& req, HttpClient& http) {
  std::string_view target = req.target();
  if (auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
  const bool get = req.method() == http::verb::get;
  const bool post = req.method() == http::verb::post;

  if (target == "/healthz" && get) {
    co_return co_await Send(stream, JsonResponse(req, http::status::ok,
                                                 R"({"status":"ok"})", nullptr));
  }
  if (target == "/readyz" && get) {
    bool ready = state_.ready.load() && !state_.draining.load();
    co_return co_await Send(
        stream, JsonResponse(req, ready ? http::status::ok : http::status::service_unavailable,
                             ready ? R"({"status":"ready"})" : R"({"status":"draining"})",
                             nullptr));
  }
  if (target == "/metrics" && get) {
    Response res{http::status::ok, req.version()};
    SetCommonHeaders(res, nullptr);
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = engine_.metrics().Serialize();
    res.prepare_payload();
    co_return co_await Send(stream, std::move(res));
  }
  if (target == "/admin/targets" && get) {
    co_return co_await Send(
        stream, JsonResponse(req, http::status::ok, engine_.TargetStatesJson(), nullptr));
  }
  if (target == "/v1/models" && get) {
    co_return co_await Send(
        stream, JsonResponse(req, http::status::ok,
                             openai::SerializeModelList(engine_.ListModels()), nullptr));
  }

  const bool chat = target == "/v1/chat/completions";
  const bool embed = target == "/v1/embeddings";
  if (!chat && !embed) {
    bool known = target == "/healthz" || target == "/readyz" || target == "/metrics" ||
                 target == "/v1/models";
    if (known) {
      Error e = Error::FromHttpStatus(405, "Method " + std::string(req.method_string()) +
                                               " not allowed for " + std::string(target));
      e.type = "invalid_request_error";
      co_return co_await Send(stream, ErrorResponse(req, e, nullptr));
    }
    co_return co_await Send(stream, ErrorResponse(req, RouteNotFound(req), nullptr));
  }
  if (!post) {
    Error e = Error::FromHttpStatus(405, "Method " + std::string(req.method_string()) +
                                             " not allowed for " + std::string(target) +
                                             "; use POST");
    e.type = "invalid_request_error";
    co_return co_await Send(stream, ErrorResponse(req, e, nullptr));
  }

  RequestContext ctx;
  ctx.front_end = "http";
  ctx.http = &http;
  ctx.deadline = ctx.start + options_.request_timeout;
  ReadRoutingHeaders(req, ctx.headers);
  if (chat) co_return co_await Chat(stream, req, ctx);
  co_return co_await Embeddings(stream, req, ctx);
}

asio::awaitable<bool> OpenAiHttpApi::Chat(beast::tcp_stream& stream, Request& req,
                                          RequestContext& ctx) {
  ctx.operation = "chat";
  engine_.Begin(ctx);
  auto parsed = openai::ParseChatRequest(req.body());
  if (!parsed.ok()) {
    engine_.End(ctx, &parsed.error(), nullptr);
    co_return co_await Send(stream, ErrorResponse(req, parsed.error(), &ctx));
  }
  if (!parsed->stream) {
    auto result = co_await engine_.Chat(ctx, parsed->request);
    if (!result.ok()) {
      engine_.End(ctx, &result.error(), nullptr);
      co_return co_await Send(stream, ErrorResponse(req, result.error(), &ctx));
    }
    engine_.End(ctx, nullptr, &result->usage());
    std::string body = openai::SerializeChatResponse(*result);
    AddGuardrailResults(body, ctx.guardrail_results);
    co_return co_await Send(stream, JsonResponse(req, http::status::ok, std::move(body), &ctx));
  }

  ctx.operation = "chat_stream";
  SseSink sink(stream, req, ctx, parsed->request.stream_options().include_usage());
  v1::Usage usage;
  auto status = co_await engine_.ChatStream(ctx, parsed->request, sink, &usage);
  const Error* error = status.ok() ? nullptr : &status.error();
  engine_.End(ctx, error, &usage);
  if (!sink.started()) {
    if (error != nullptr) co_return co_await Send(stream, ErrorResponse(req, *error, &ctx));
    // An upstream stream with no chunks at all: still a well-formed SSE reply.
  }
  co_return co_await sink.Finish(error);
}

asio::awaitable<bool> OpenAiHttpApi::Embeddings(beast::tcp_stream& stream, Request& req,
                                                RequestContext& ctx) {
  ctx.operation = "embed";
  engine_.Begin(ctx);
  auto parsed = openai::ParseEmbedRequest(req.body());
  if (!parsed.ok()) {
    engine_.End(ctx, &parsed.error(), nullptr);
    co_return co_await Send(stream, ErrorResponse(req, parsed.error(), &ctx));
  }
  auto result = co_await engine_.Embed(ctx, *parsed);
  if (!result.ok()) {
    engine_.End(ctx, &result.error(), nullptr);
    co_return co_await Send(stream, ErrorResponse(req, result.error(), &ctx));
  }
  engine_.End(ctx, nullptr, &result->usage());
  co_return co_await Send(
      stream, JsonResponse(req, http::status::ok,
                           openai::SerializeEmbedResponse(*result, WantsBase64(*parsed)),
                           &ctx));
}

asio::awaitable<void> OpenAiHttpApi::WriteTooLarge(beast::tcp_stream& stream,
                                                   size_t limit) {
  Request req{http::verb::post, "/", 11};
  req.keep_alive(false);
  Error e = Error::PayloadTooLarge("Request body exceeds the gateway limit of " +
                                   std::to_string(limit) + " bytes");
  co_await Send(stream, ErrorResponse(req, e, nullptr));
}

asio::awaitable<void> OpenAiHttpApi::WriteBadRequest(beast::tcp_stream& stream,
                                                     std::string_view reason) {
  Request req{http::verb::post, "/", 11};
  req.keep_alive(false);
  Error e = Error::InvalidRequest("Malformed HTTP request: " + std::string(reason));
  co_await Send(stream, ErrorResponse(req, e, nullptr));
}

}  // namespace across
