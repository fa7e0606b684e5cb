#include "providers/bedrock/bedrock_provider.h"

#include <cstdlib>
#include <optional>
#include <utility>
#include <vector>

#include "providers/bedrock/bedrock_errors.h"
#include "providers/bedrock/converse_request.h"
#include "providers/bedrock/converse_response.h"
#include "providers/bedrock/converse_stream.h"
#include "providers/bedrock/embeddings.h"
#include "providers/bedrock/eventstream.h"
#include "providers/common/upstream_call.h"

namespace across {
namespace {

constexpr std::string_view kService = "bedrock";
constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";
constexpr int kDefaultMaxTokens = 4096;

std::string EnvOr(const std::string& name, const char* fallback) {
  const char* v = std::getenv(name.empty() ? fallback : name.c_str());
  return v == nullptr ? "" : v;
}

int64_t UnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch())
      .count();
}

// Converse returns no completion id; the AWS request id is the closest
// thing, then the gateway's trace id.
std::string CompletionId(std::string_view request_id,
                         const RequestContext& ctx) {
  if (!request_id.empty()) return "chatcmpl-" + std::string(request_id);
  if (!ctx.trace_id.empty()) return "chatcmpl-" + ctx.trace_id;
  return "chatcmpl-" + NewTraceId();
}

// Decodes one ConverseStream body and writes its chunks to the sink. Lives in
// ChatStream's frame; the body handler holds only a pointer to it.
class StreamState {
 public:
  StreamState(bedrock::ConverseStreamTranslator& translator,
              RequestContext& ctx, ChunkSink& sink)
      : translator_(translator), ctx_(ctx), sink_(sink) {}

  asio::awaitable<bool> OnBody(std::string_view bytes) {
    received_bytes_ = true;
    if (failure_) co_return false;
    const bool ok =
        decoder_.Feed(bytes, [this](bedrock::EventStreamMessage& m) {
          if (auto err = translator_.OnMessage(m, ready_)) {
            failure_ = std::move(*err);
            return false;
          }
          return true;
        });
    if (!ok && !failure_) {
      failure_ =
          Error::Unavailable("malformed event stream: " + decoder_.error());
    }
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

  bool done() const { return translator_.done(); }
  bool client_gone() const { return client_gone_; }
  bool received_bytes() const { return received_bytes_; }
  bool partial() const { return decoder_.HasPartialMessage(); }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  bedrock::ConverseStreamTranslator& translator_;
  RequestContext& ctx_;
  ChunkSink& sink_;
  bedrock::EventStreamDecoder decoder_;
  std::vector<v1::ChatChunk> ready_;
  std::optional<Error> failure_;
  bool client_gone_ = false;
  bool received_bytes_ = false;
};

}  // namespace

BedrockProvider::BedrockProvider(::across::config::v1::ProviderConfig config,
                                 bedrock::AwsCredentials credentials)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      clock_([] { return std::chrono::system_clock::now(); }) {
  info_.id = config_.id();
  info_.type = "bedrock";
}

bedrock::AwsCredentials BedrockProvider::CredentialsFromEnv(
    const ::across::config::v1::ProviderConfig& config) {
  bedrock::AwsCredentials c;
  c.access_key_id = EnvOr(config.aws_access_key_id_env(), "AWS_ACCESS_KEY_ID");
  c.secret_access_key =
      EnvOr(config.aws_secret_access_key_env(), "AWS_SECRET_ACCESS_KEY");
  c.session_token = EnvOr(config.aws_session_token_env(), "AWS_SESSION_TOKEN");
  return c;
}

Error BedrockProvider::Named(Error error) const {
  for (const std::string* secret :
       {&credentials_.secret_access_key, &credentials_.session_token,
        &credentials_.access_key_id}) {
    RedactSecret(error.message, *secret);
  }
  return WithProviderPrefix(std::move(error), info_.id);
}

Error BedrockProvider::UpstreamFailure(const UpstreamResponse& response) const {
  Error e = bedrock::ParseBedrockError(response.status, response.body,
                                       response.Header("x-amzn-errortype"));
  e.retry_after = RetryAfter(response);
  return Named(std::move(e));
}

Result<UpstreamRequest> BedrockProvider::BuildRequest(const UpstreamCall& call,
                                                      std::string_view model,
                                                      std::string_view action,
                                                      std::string body,
                                                      bool stream) const {
  if (call.ctx.http == nullptr) {
    return Error::Internal(info_.id + ": no upstream HTTP client");
  }
  if (!credentials_.complete()) {
    // Names of the variables only; never their values.
    const std::string id_env = config_.aws_access_key_id_env().empty()
                                   ? "AWS_ACCESS_KEY_ID"
                                   : config_.aws_access_key_id_env();
    const std::string secret_env = config_.aws_secret_access_key_env().empty()
                                       ? "AWS_SECRET_ACCESS_KEY"
                                       : config_.aws_secret_access_key_env();
    return Error::Internal(info_.id + ": AWS credentials are not set (" +
                           id_env + ", " + secret_env + ")");
  }
  if (config_.region().empty()) {
    return Error::Internal(info_.id + ": region is not configured");
  }
  if (model.empty())
    return Error::InvalidRequest(info_.id + ": no model", "model");
  // Model ids carry ':' ("...-v1:0") and ARNs '/' too: one encoded segment.
  std::string path = "/model/";
  path += bedrock::EncodePathSegment(model);
  path += '/';
  path += action;
  auto url = UpstreamUrl(info_.id, config_, path);
  if (!url.ok()) return url.error();

  UpstreamRequest req;
  req.method = "POST";
  req.url = std::move(url.value());
  req.body = std::move(body);

  // The Host header the HttpClient will send, which the signature covers.
  std::string host = req.url.host.find(':') != std::string::npos
                         ? "[" + req.url.host + "]"
                         : req.url.host;
  if (req.url.port != (req.url.tls ? "443" : "80")) {
    host += ':';
    host += req.url.port;
  }
  const std::string amz_date = bedrock::AmzDate(clock_());
  bedrock::SigV4Input sig;
  sig.method = req.method;
  const std::string_view target = req.url.target;
  const size_t q = target.find('?');
  sig.path = target.substr(0, q);
  sig.query =
      q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  sig.headers.emplace_back("host", host);
  sig.headers.emplace_back("x-amz-date", amz_date);
  if (!credentials_.session_token.empty()) {
    sig.headers.emplace_back("x-amz-security-token",
                             credentials_.session_token);
  }
  sig.payload = req.body;
  sig.region = config_.region();
  sig.service = kService;
  sig.amz_date = amz_date;

  req.headers.reserve(6 + static_cast<size_t>(config_.headers_size()));
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back(
      "accept", stream ? std::string(kEventStream) : "application/json");
  req.headers.emplace_back("x-amz-date", amz_date);
  if (!credentials_.session_token.empty()) {
    req.headers.emplace_back("x-amz-security-token",
                             credentials_.session_token);
  }
  req.headers.emplace_back("authorization",
                           bedrock::AuthorizationHeader(sig, credentials_));
  AppendConfiguredHeaders(req, config_);
  ApplyTimeouts(req, config_, call.ctx);
  return req;
}

asio::awaitable<Result<v1::ChatResponse>> BedrockProvider::Chat(
    UpstreamCall& call, const v1::ChatRequest& request) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  const int max_tokens = config_.default_max_tokens() > 0
                             ? config_.default_max_tokens()
                             : kDefaultMaxTokens;
  auto body = bedrock::BuildConverseBody(request, max_tokens);
  if (!body.ok()) co_return Named(std::move(body.error()));
  auto req =
      BuildRequest(call, model, "converse", std::move(body.value()), false);
  if (!req.ok()) co_return Named(std::move(req.error()));
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()));
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res);
  auto parsed = bedrock::ParseConverseResponse(res->body);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()));
  v1::ChatResponse resp = std::move(parsed.value());
  resp.set_id(CompletionId(res->Header("x-amzn-requestid"), call.ctx));
  resp.set_created(UnixSeconds(clock_()));
  resp.set_model(model);
  resp.set_provider(info_.id);
  co_return resp;
}

asio::awaitable<Status> BedrockProvider::ChatStream(
    UpstreamCall& call, const v1::ChatRequest& request, ChunkSink& sink) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  const int max_tokens = config_.default_max_tokens() > 0
                             ? config_.default_max_tokens()
                             : kDefaultMaxTokens;
  auto body = bedrock::BuildConverseBody(request, max_tokens);
  if (!body.ok()) co_return Named(std::move(body.error()));
  auto req = BuildRequest(call, model, "converse-stream",
                          std::move(body.value()), true);
  if (!req.ok()) co_return Named(std::move(req.error()));

  // Response headers arrive only with the finished response, so the stream's
  // id comes from the trace id.
  bedrock::ConverseStreamTranslator translator(
      CompletionId("", call.ctx), model, UnixSeconds(clock_()), info_.id);
  StreamState state(translator, call.ctx, sink);
  StreamState* s = &state;
  auto res = co_await call.ctx.http->SendStreaming(
      std::move(req.value()),
      [s](std::string_view bytes) { return s->OnBody(bytes); });
  if (state.client_gone()) {
    co_return Error::FromHttpStatus(499, info_.id + ": client cancelled");
  }
  if (state.failure()) co_return Named(*state.failure());
  if (!res.ok()) {
    if (state.done() && !state.partial()) co_return Ok{};  // lost the tail
    // A connection lost mid-stream; timeouts and cancellation keep their own
    // status.
    if (state.received_bytes() && res.error().http_status == 502) {
      co_return Error::Unavailable(info_.id + ": upstream stream truncated");
    }
    co_return Named(std::move(res.error()));
  }
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res);
  if (!state.done() || state.partial()) {
    co_return Error::Unavailable(info_.id + ": upstream stream truncated");
  }
  co_return Ok{};
}

asio::awaitable<Result<v1::EmbedResponse>> BedrockProvider::Embed(
    UpstreamCall& call, const v1::EmbedRequest& request) {
  const std::string model =
      call.upstream_model.empty() ? request.model() : call.upstream_model;
  if (request.input_size() == 0) {
    co_return Error::InvalidRequest(info_.id + ": input must not be empty",
                                    "input");
  }
  switch (bedrock::EmbedFamilyOf(model)) {
    case bedrock::EmbedFamily::kTitan:
      co_return co_await EmbedTitan(call, request, model);
    case bedrock::EmbedFamily::kCohere:
      co_return co_await EmbedCohere(call, request, model);
    default:
      co_return Named(Error::Unimplemented(
          "embeddings are supported for amazon.titan-embed-* and "
          "cohere.embed-* models, not \"" +
          model + "\""));
  }
}

asio::awaitable<Result<v1::EmbedResponse>> BedrockProvider::EmbedTitan(
    UpstreamCall& call, const v1::EmbedRequest& request,
    const std::string& model) {
  // Titan embeds one text per call.
  v1::EmbedResponse resp;
  int tokens = 0;
  for (int i = 0; i < request.input_size(); ++i) {
    auto req = BuildRequest(call, model, "invoke",
                            bedrock::BuildTitanEmbedBody(request, i), false);
    if (!req.ok()) co_return Named(std::move(req.error()));
    auto res = co_await call.ctx.http->Send(std::move(req.value()));
    if (!res.ok()) co_return Named(std::move(res.error()));
    if (!Is2xx(res->status)) co_return UpstreamFailure(*res);
    auto parsed = bedrock::ParseTitanEmbedResponse(res->body);
    if (!parsed.ok()) co_return Named(std::move(parsed.error()));
    v1::Embedding* e = resp.add_data();
    e->set_index(i);
    e->mutable_embedding()->Add(parsed->embedding.begin(),
                                parsed->embedding.end());
    tokens += parsed->tokens;
  }
  resp.set_model(model);
  resp.set_provider(info_.id);
  resp.mutable_usage()->set_prompt_tokens(tokens);
  resp.mutable_usage()->set_total_tokens(tokens);
  co_return resp;
}

asio::awaitable<Result<v1::EmbedResponse>> BedrockProvider::EmbedCohere(
    UpstreamCall& call, const v1::EmbedRequest& request,
    const std::string& model) {
  auto req = BuildRequest(call, model, "invoke",
                          bedrock::BuildCohereEmbedBody(request), false);
  if (!req.ok()) co_return Named(std::move(req.error()));
  auto res = co_await call.ctx.http->Send(std::move(req.value()));
  if (!res.ok()) co_return Named(std::move(res.error()));
  if (!Is2xx(res->status)) co_return UpstreamFailure(*res);
  auto parsed = bedrock::ParseCohereEmbedResponse(res->body);
  if (!parsed.ok()) co_return Named(std::move(parsed.error()));
  v1::EmbedResponse resp = std::move(parsed.value());
  if (resp.data_size() != request.input_size()) {
    co_return Named(Error::Unavailable(
        "Cohere returned " + std::to_string(resp.data_size()) +
        " embeddings for " + std::to_string(request.input_size()) + " inputs"));
  }
  // Bedrock reports InvokeModel token counts in a response header.
  const std::string_view count =
      res->Header("x-amzn-bedrock-input-token-count");
  const int tokens = count.empty() ? 0 : std::atoi(std::string(count).c_str());
  resp.set_model(model);
  resp.set_provider(info_.id);
  resp.mutable_usage()->set_prompt_tokens(tokens);
  resp.mutable_usage()->set_total_tokens(tokens);
  co_return resp;
}

}  // namespace across
