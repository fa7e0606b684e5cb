#include "gateway/server/grpc_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "across/gateway/v1/gateway.grpc.pb.h"

namespace across {
namespace {

constexpr char kServiceName[] = "across.gateway.v1.Gateway";

grpc::Status ToGrpcStatus(const Error& e) {
  return grpc::Status(GrpcCodeForHttpStatus(e.http_status), e.message);
}

// Error details that do not fit in a status message travel as trailers.
void AddErrorTrailers(grpc::CallbackServerContext* context, const Error& e) {
  if (!e.type.empty()) context->AddTrailingMetadata("x-across-error-type", e.type);
  if (!e.param.empty()) context->AddTrailingMetadata("x-across-error-param", e.param);
  context->AddTrailingMetadata("x-across-http-status", std::to_string(e.http_status));
  if (e.retry_after) {
    context->AddTrailingMetadata("retry-after-ms", std::to_string(e.retry_after->count()));
  }
}

// gRPC text metadata must be printable ASCII (gRPC core asserts otherwise),
// but guardrail results are UTF-8 JSON: escape everything else as \uXXXX,
// which keeps it valid JSON because non-ASCII only occurs inside strings.
std::string AsciiJson(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  auto escape = [&out](uint32_t unit) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", unit);
    out += buf;
  };
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    uint32_t cp = 0xfffd;
    size_t len = 1;
    if (c >= 0xc0 && c < 0xe0 && i + 1 < utf8.size()) {
      cp = ((c & 0x1fu) << 6) | (utf8[i + 1] & 0x3fu);
      len = 2;
    } else if (c >= 0xe0 && c < 0xf0 && i + 2 < utf8.size()) {
      cp = ((c & 0x0fu) << 12) | ((utf8[i + 1] & 0x3fu) << 6) | (utf8[i + 2] & 0x3fu);
      len = 3;
    } else if (c >= 0xf0 && c < 0xf8 && i + 3 < utf8.size()) {
      cp = ((c & 0x07u) << 18) | ((utf8[i + 1] & 0x3fu) << 12) |
           ((utf8[i + 2] & 0x3fu) << 6) | (utf8[i + 3] & 0x3fu);
      len = 4;
    } else if (c < 0x20 || c == 0x7f) {
      cp = c;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      escape(0xd800 + (cp >> 10));
      escape(0xdc00 + (cp & 0x3ff));
    } else {
      escape(cp);
    }
    i += len;
  }
  return out;
}

// The route outcome is only final when the call ends: trailers.
void AddOutcomeTrailers(grpc::CallbackServerContext* context, const RequestContext& ctx) {
  if (!ctx.target_path.empty()) {
    context->AddTrailingMetadata(std::string(kTargetHeader), ctx.target_path);
  }
  context->AddTrailingMetadata(std::string(kAttemptsHeader), std::to_string(ctx.attempts));
  context->AddTrailingMetadata(std::string(kTraceIdHeader), ctx.trace_id);
  if (!ctx.guardrail_verdict.empty()) {
    context->AddTrailingMetadata("x-across-guardrail-verdict", ctx.guardrail_verdict);
    context->AddTrailingMetadata("x-across-guardrail-results",
                                 AsciiJson(ctx.guardrail_results));
  }
}

void AddRoutingMetadata(grpc::CallbackServerContext* context, const RequestContext& ctx) {
  context->AddInitialMetadata(std::string(kTraceIdHeader), ctx.trace_id);
  if (!ctx.provider.empty()) {
    context->AddInitialMetadata(std::string(kProviderHeader), ctx.provider);
  }
  if (!ctx.upstream_model.empty()) {
    context->AddInitialMetadata(std::string(kModelHeader), ctx.upstream_model);
  }
}

// Methods take raw bytes so that a malformed message is answered with
// INVALID_ARGUMENT (the typed callback API would answer UNIMPLEMENTED, which
// tells clients the method does not exist).
template <typename Message>
bool ParseMessage(const grpc::ByteBuffer* bytes, Message* message) {
  grpc::ByteBuffer copy(*bytes);  // Deserialize consumes its input
  return grpc::SerializationTraits<Message>::Deserialize(&copy, message).ok();
}

template <typename Message>
void SerializeMessage(const Message& message, grpc::ByteBuffer* bytes) {
  bool own_buffer = false;
  grpc::SerializationTraits<Message>::Serialize(message, bytes, &own_buffer);
}

grpc::Status MalformedRequest(std::string_view type) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "request is not a valid " + std::string(type) + " message");
}

// Shared by a call's reactor and its coroutine; outlives whichever ends first.
struct CallState {
  explicit CallState(Worker& w) : worker(w), write_done(w.io()) {}
  Worker& worker;
  asio::cancellation_signal cancel;
  asio::steady_timer write_done;  // woken when a stream write completes
  bool write_ok = true;
};

void FillContext(grpc::CallbackServerContext* context, Worker& worker,
                 std::chrono::milliseconds default_timeout, std::string operation,
                 RequestContext& ctx) {
  ctx.front_end = "grpc";
  ctx.operation = std::move(operation);
  ctx.http = &worker.http();
  for (const auto& [key, value] : context->client_metadata()) {
    ctx.headers.Accept(std::string_view(key.data(), key.size()),
                       std::string_view(value.data(), value.size()));
  }
  ctx.deadline = ctx.start + default_timeout;
  auto deadline = context->deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    auto left = deadline - std::chrono::system_clock::now();
    auto client_deadline =
        ctx.start + std::chrono::duration_cast<Clock::duration>(left);
    if (client_deadline < ctx.deadline) ctx.deadline = client_deadline;
  }
}

// Runs `body` on the worker's loop with the call's cancellation bound, so a
// client cancel aborts whatever upstream I/O the coroutine is waiting on.
// `reactor` is finished with INTERNAL if the body escapes with an exception
// (a bug), so the call can never hang and block shutdown.
template <typename Reactor>
void Spawn(const std::shared_ptr<CallState>& state, asio::awaitable<void> body,
           Reactor* reactor) {
  asio::post(state->worker.io(), [state, reactor, body = std::move(body)]() mutable {
    asio::co_spawn(state->worker.io(), std::move(body),
                   asio::bind_cancellation_slot(
                       state->cancel.slot(), [reactor, state](std::exception_ptr e) {
                         if (e) {
                           reactor->Finish(grpc::Status(grpc::StatusCode::INTERNAL,
                                                        "internal error"));
                         }
                         // Asio clears the coroutine's slot (bound to
                         // state->cancel) after this handler returns: release
                         // the state only on a later turn of the loop.
                         asio::post(state->worker.io(), [state] {});
                       }));
  });
}

void CancelOnLoop(const std::shared_ptr<CallState>& state) {
  asio::post(state->worker.io(),
             [state] { state->cancel.emit(asio::cancellation_type::terminal); });
}

class UnaryCall : public grpc::ServerUnaryReactor {
 public:
  explicit UnaryCall(std::shared_ptr<CallState> state) : state_(std::move(state)) {}
  void OnCancel() override { CancelOnLoop(state_); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<CallState> state_;
};

class StreamCall : public grpc::ServerWriteReactor<grpc::ByteBuffer>, public ChunkSink {
 public:
  explicit StreamCall(std::shared_ptr<CallState> state) : state_(std::move(state)) {}

  asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
    if (!state_->write_ok) co_return false;
    pending_.Clear();
    SerializeMessage(chunk, &pending_);
    state_->write_done.expires_at(asio::steady_timer::time_point::max());
    StartWrite(&pending_);
    // Not cancellable: gRPC owns `pending_` until OnWriteDone.
    co_await state_->write_done.async_wait(asio::bind_cancellation_slot(
        asio::cancellation_slot(), asio::as_tuple(asio::use_awaitable)));
    co_return state_->write_ok;
  }

  void OnWriteDone(bool ok) override {
    auto state = state_;
    asio::post(state->worker.io(), [state, ok] {
      state->write_ok = ok;
      state->write_done.cancel();
    });
  }
  void OnCancel() override { CancelOnLoop(state_); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<CallState> state_;
  grpc::ByteBuffer pending_;
};

}  // namespace

using RawGatewayService = v1::Gateway::WithRawCallbackMethod_Chat<
    v1::Gateway::WithRawCallbackMethod_ChatStream<
        v1::Gateway::WithRawCallbackMethod_Embed<v1::Gateway::CallbackService>>>;

class GrpcServer::Service final : public RawGatewayService {
 public:
  Service(WorkerPool& workers, Engine& engine, std::chrono::milliseconds timeout)
      : workers_(workers), engine_(engine), timeout_(timeout) {}

  grpc::ServerUnaryReactor* Chat(grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* bytes,
                                 grpc::ByteBuffer* response) override {
    auto request = std::make_unique<v1::ChatRequest>();
    if (!ParseMessage(bytes, request.get())) {
      auto* reactor = context->DefaultReactor();
      reactor->Finish(MalformedRequest("across.gateway.v1.ChatRequest"));
      return reactor;
    }
    auto state = std::make_shared<CallState>(workers_.Next());
    auto* reactor = new UnaryCall(state);
    Spawn(state, RunChat(context, std::move(request), response, reactor, state), reactor);
    return reactor;
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* ChatStream(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* bytes) override {
    auto request = std::make_unique<v1::ChatRequest>();
    auto state = std::make_shared<CallState>(workers_.Next());
    auto* reactor = new StreamCall(state);
    if (!ParseMessage(bytes, request.get())) {
      reactor->Finish(MalformedRequest("across.gateway.v1.ChatRequest"));
      return reactor;
    }
    Spawn(state, RunChatStream(context, std::move(request), reactor, state), reactor);
    return reactor;
  }

  grpc::ServerUnaryReactor* Embed(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* bytes,
                                  grpc::ByteBuffer* response) override {
    auto request = std::make_unique<v1::EmbedRequest>();
    if (!ParseMessage(bytes, request.get())) {
      auto* reactor = context->DefaultReactor();
      reactor->Finish(MalformedRequest("across.gateway.v1.EmbedRequest"));
      return reactor;
    }
    auto state = std::make_shared<CallState>(workers_.Next());
    auto* reactor = new UnaryCall(state);
    Spawn(state, RunEmbed(context, std::move(request), response, reactor, state), reactor);
    return reactor;
  }

  grpc::ServerUnaryReactor* ListModels(grpc::CallbackServerContext* context,
                                       const v1::ListModelsRequest*,
                                       v1::ListModelsResponse* response) override {
    *response = engine_.ListModels();
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  // The coroutines own nothing of the call: gRPC keeps the context, request
  // and response alive until Finish, which is each coroutine's last act.
  asio::awaitable<void> RunChat(grpc::CallbackServerContext* context,
                                std::unique_ptr<v1::ChatRequest> request,
                                grpc::ByteBuffer* response, UnaryCall* reactor,
                                std::shared_ptr<CallState> state) {
    // A cancelled call must still reach Finish: report cancellation through
    // error codes rather than exceptions at the next co_await.
    co_await asio::this_coro::throw_if_cancelled(false);
    RequestContext ctx;
    FillContext(context, state->worker, timeout_, "chat", ctx);
    engine_.Begin(ctx);
    auto result = co_await engine_.Chat(ctx, *request);
    AddRoutingMetadata(context, ctx);
    if (!result.ok()) {
      engine_.End(ctx, &result.error(), nullptr);
      AddErrorTrailers(context, result.error());
      AddOutcomeTrailers(context, ctx);
      reactor->Finish(ToGrpcStatus(result.error()));
      co_return;
    }
    engine_.End(ctx, nullptr, &result->usage());
    AddOutcomeTrailers(context, ctx);
    SerializeMessage(*result, response);
    reactor->Finish(grpc::Status::OK);
  }

  asio::awaitable<void> RunChatStream(grpc::CallbackServerContext* context,
                                      std::unique_ptr<v1::ChatRequest> request,
                                      StreamCall* reactor,
                                      std::shared_ptr<CallState> state) {
    co_await asio::this_coro::throw_if_cancelled(false);
    RequestContext ctx;
    FillContext(context, state->worker, timeout_, "chat_stream", ctx);
    engine_.Begin(ctx);
    // Initial metadata goes out with the first chunk; route it lazily.
    class MetadataSink final : public ChunkSink {
     public:
      MetadataSink(grpc::CallbackServerContext* c, RequestContext& x, StreamCall& r)
          : context_(c), ctx_(x), reactor_(r) {}
      asio::awaitable<bool> Write(v1::ChatChunk chunk) override {
        if (!sent_) {
          sent_ = true;
          AddRoutingMetadata(context_, ctx_);
        }
        co_return co_await reactor_.Write(std::move(chunk));
      }
      bool sent() const { return sent_; }

     private:
      grpc::CallbackServerContext* context_;
      RequestContext& ctx_;
      StreamCall& reactor_;
      bool sent_ = false;
    } sink(context, ctx, *reactor);

    v1::Usage usage;
    auto status = co_await engine_.ChatStream(ctx, *request, sink, &usage);
    if (!sink.sent()) AddRoutingMetadata(context, ctx);
    if (!status.ok()) {
      engine_.End(ctx, &status.error(), &usage);
      AddErrorTrailers(context, status.error());
      AddOutcomeTrailers(context, ctx);
      reactor->Finish(ToGrpcStatus(status.error()));
      co_return;
    }
    engine_.End(ctx, nullptr, &usage);
    AddOutcomeTrailers(context, ctx);
    reactor->Finish(grpc::Status::OK);
  }

  asio::awaitable<void> RunEmbed(grpc::CallbackServerContext* context,
                                 std::unique_ptr<v1::EmbedRequest> request,
                                 grpc::ByteBuffer* response, UnaryCall* reactor,
                                 std::shared_ptr<CallState> state) {
    co_await asio::this_coro::throw_if_cancelled(false);
    RequestContext ctx;
    FillContext(context, state->worker, timeout_, "embed", ctx);
    engine_.Begin(ctx);
    auto result = co_await engine_.Embed(ctx, *request);
    AddRoutingMetadata(context, ctx);
    if (!result.ok()) {
      engine_.End(ctx, &result.error(), nullptr);
      AddErrorTrailers(context, result.error());
      AddOutcomeTrailers(context, ctx);
      reactor->Finish(ToGrpcStatus(result.error()));
      co_return;
    }
    engine_.End(ctx, nullptr, &result->usage());
    AddOutcomeTrailers(context, ctx);
    SerializeMessage(*result, response);
    reactor->Finish(grpc::Status::OK);
  }

  WorkerPool& workers_;
  Engine& engine_;
  std::chrono::milliseconds timeout_;
};

GrpcServer::GrpcServer(WorkerPool& workers, Engine& engine, GrpcServerOptions options)
    : workers_(workers),
      engine_(engine),
      options_(std::move(options)),
      service_(std::make_unique<Service>(workers, engine, options_.request_timeout)) {}

GrpcServer::~GrpcServer() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now());
}

Result<int> GrpcServer::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  std::string address = options_.address;
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  builder.AddListeningPort(address + ":" + std::to_string(options_.port),
                           grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_message_bytes));
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (!server_ || port == 0) {
    return Error::Unavailable("gRPC listener " + options_.address + ":" +
                              std::to_string(options_.port) + ": could not bind");
  }
  auto* health = server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus(kServiceName, true);
  return port;
}

void GrpcServer::SetNotServing() {
  if (server_) server_->GetHealthCheckService()->SetServingStatus(false);
}

void GrpcServer::Drain(std::chrono::system_clock::time_point deadline) {
  if (!server_) return;
  server_->GetHealthCheckService()->SetServingStatus(false);
  server_->Shutdown(deadline);
}

}  // namespace across
