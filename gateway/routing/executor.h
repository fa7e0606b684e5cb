// Runs a compiled route for one request. The caller supplies the attempt:
// "call this target once" (for the engine: look up the provider, build the
// UpstreamCall, call Chat/ChatStream/Embed). The executor decides which
// targets to call, how often and when: strategies, retries with backoff,
// Retry-After, retry budget, breaker, concurrency limit and the route's
// timeouts, and reports which target answered.
//
//   routing::RouteOutcome outcome;
//   auto result = co_await routing::Execute<v1::ChatResponse>(
//       *route, ctx, {.facts = &facts, .outcome = &outcome},
//       [&](const routing::Target& t, routing::AttemptInfo& a)
//           -> asio::awaitable<Result<v1::ChatResponse>> { ... });
//
// Everything runs on the calling coroutine's executor; only the per-target
// state is shared across threads.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"
#include "gateway/routing/route.h"

namespace across::routing {

namespace asio = boost::asio;

// Suggested response header / trailing metadata names for RouteOutcome
// (lower-case for gRPC).
inline constexpr std::string_view kTargetPathHeader = "x-across-target";
inline constexpr std::string_view kAttemptsHeader = "x-across-attempts";

// What the response headers / trailing metadata report.
struct RouteOutcome {
  // Target that answered, or the last one tried when all failed:
  // "targets[1].targets[0]" ("root" for a one-leaf route; empty when no
  // target was tried).
  std::string target_path;
  std::string provider;
  std::string upstream_model;
  int attempts = 0;   // upstream calls made
  int retries = 0;    // of those, retries of the same target
  int fallbacks = 0;  // moves to the next target of a fallback node
  // A stream failed after its first byte reached the client: the error must
  // end the stream (SSE error event / gRPC status); nothing was retried.
  bool committed = false;
};

// One attempt, as the attempt function sees it.
class AttemptInfo {
 public:
  AttemptInfo(const Target& target, std::string_view upstream_model, int number,
              int retry, Clock::time_point started, Clock::time_point deadline)
      : target_(target),
        upstream_model_(upstream_model),
        number_(number),
        retry_(retry),
        started_(started),
        deadline_(deadline) {}

  const Target& target() const { return target_; }
  // The model to send: the target's upstream_model, else the client's.
  std::string_view upstream_model() const { return upstream_model_; }
  // 1-based count of attempts in this request.
  int number() const { return number_; }
  // 0 for the first try of this target, n for its n-th retry.
  int retry() const { return retry_; }
  Clock::time_point started() const { return started_; }
  // Earliest of the request deadline and the route's request_timeout. The
  // executor enforces request_timeout itself (by cancelling the attempt);
  // passing this on to the provider makes the cut cleaner.
  Clock::time_point deadline() const { return deadline_; }
  std::chrono::milliseconds connect_timeout() const {
    return target_.timeouts.connect;
  }

  // Streaming: call once for every chunk forwarded to the client. It marks
  // the attempt as committed (no retry or fallback after the first byte) and
  // feeds the first-token and stream-idle timeouts. RequestContext::
  // first_token being set also counts as committed.
  void OnChunk() {
    last_chunk_ = Clock::now();
    if (!first_chunk_) first_chunk_ = last_chunk_;
  }
  std::optional<Clock::time_point> first_chunk() const { return first_chunk_; }
  std::optional<Clock::time_point> last_chunk() const {
    return first_chunk_ ? std::optional(last_chunk_) : std::nullopt;
  }

 private:
  const Target& target_;
  std::string_view upstream_model_;
  int number_;
  int retry_;
  Clock::time_point started_;
  Clock::time_point deadline_;
  std::optional<Clock::time_point> first_chunk_;
  Clock::time_point last_chunk_{};
};

struct ExecuteOptions {
  // Facts for conditional nodes ({"metadata": {...}, "params": {...}}, see
  // request_facts.h); required when route.needs_facts(), else unused.
  const boost::json::object* facts = nullptr;
  // Receives the target path, attempts etc.; may be null.
  RouteOutcome* outcome = nullptr;
  // A streamed call: first-token / idle timeouts apply, and a failure after
  // the first byte is final.
  bool streaming = false;
};

// Calls one target once. Must be cancellable (the route's timeouts cancel
// it through the coroutine's cancellation slot).
using AttemptFn =
    std::function<asio::awaitable<Status>(const Target&, AttemptInfo&)>;

// Type-erased core. Also sets ctx.provider / ctx.upstream_model to the
// target tried last and adds each attempt's duration to ctx.upstream_time.
asio::awaitable<Status> ExecuteRoute(const Route& route, RequestContext& ctx,
                                     const ExecuteOptions& options,
                                     const AttemptFn& attempt);

namespace detail {
template <typename T>
asio::awaitable<Status> Keep(asio::awaitable<Result<T>> op,
                             std::optional<T>& out) {
  auto result = co_await std::move(op);
  if (!result.ok()) co_return std::move(result.error());
  out = std::move(result.value());
  co_return Ok{};
}
}  // namespace detail

// Typed entry point: `attempt(const Target&, AttemptInfo&)` returns
// asio::awaitable<Result<T>> (T = v1::ChatResponse, v1::EmbedResponse, or
// Ok for streams, whose chunks go to the caller's sink).
template <typename T, typename Fn>
asio::awaitable<Result<T>> Execute(const Route& route, RequestContext& ctx,
                                   ExecuteOptions options, Fn attempt) {
  std::optional<T> value;
  // Not a coroutine itself, so nothing outlives this frame: `attempt` and
  // `value` live here until ExecuteRoute is done.
  AttemptFn erased = [&attempt, &value](const Target& t, AttemptInfo& a) {
    return detail::Keep<T>(attempt(t, a), value);
  };
  Status status = co_await ExecuteRoute(route, ctx, options, erased);
  if (!status.ok()) co_return std::move(status.error());
  co_return std::move(*value);
}

}  // namespace across::routing
