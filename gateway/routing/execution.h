// One request's walk through a route (internal to the executor): dispatches
// inner nodes to their strategy and runs leaves — breaker, concurrency slot,
// attempt under the route's timeouts, retries with backoff and budget.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "gateway/routing/executor.h"

namespace across::routing {

class Execution {
 public:
  Execution(const Route& route, RequestContext& ctx,
            const ExecuteOptions& options, const AttemptFn& attempt,
            RouteOutcome& outcome);

  asio::awaitable<Status> RunNode(const Node& node);

  const Route& route() const { return route_; }
  RequestContext& ctx() { return ctx_; }
  const ExecuteOptions& options() const { return options_; }
  // True once a streamed byte reached the client: no retry or fallback.
  bool committed() const { return outcome_.committed; }
  // Counts a fallback away from `from` (after `error`).
  void RecordFallback(const Node& from);

 private:
  asio::awaitable<Status> RunLeaf(const Node& node);
  asio::awaitable<Status> RunAttempt(const Target& target, AttemptInfo& info);
  asio::awaitable<Error> Watchdog(const Target& target, AttemptInfo& info);
  bool Streamed(const AttemptInfo& info) const;

  const Route& route_;
  RequestContext& ctx_;
  const ExecuteOptions& options_;
  const AttemptFn& attempt_;
  RouteOutcome& outcome_;
};

}  // namespace across::routing
