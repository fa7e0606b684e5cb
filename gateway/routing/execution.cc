#include "gateway/routing/execution.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <variant>

#include "gateway/routing/strategy.h"

namespace across::routing {
namespace {

double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

long Ms(Clock::duration d) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Error Cancelled(std::string_view what) {
  return Error::FromHttpStatus(499, std::string(what) + ": request cancelled");
}

Error RouteTimeout(const Target& t, std::string_view code,
                   std::string_view what, std::chrono::milliseconds limit) {
  // 408 like Portkey's request_timeout; a fallback treats it as a failure.
  Error e = Error::FromHttpStatus(
      408, t.label + ": " + std::string(what) + " of " +
               std::to_string(limit.count()) + "ms exceeded");
  e.code = std::string(code);
  return e;
}

Error CircuitOpen(const Target& t, Clock::duration remaining) {
  Error e = Error::FromHttpStatus(
      503, t.label + ": circuit breaker open (next probe in " +
               std::to_string(std::max(0L, Ms(remaining))) + "ms)");
  e.code = std::string(kCircuitOpenCode);
  e.retry_after =
      std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
  return e;
}

// In a race, an attempt that throws would leave the watchdog running until
// its timeout; turn exceptions into errors so the race ends at once.
asio::awaitable<Status> Guarded(asio::awaitable<Status> attempt) {
  try {
    co_return co_await std::move(attempt);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted)
      co_return Cancelled("attempt");
    co_return Error::Internal(std::string("attempt failed: ") + e.what());
  } catch (const std::exception& e) {
    co_return Error::Internal(std::string("attempt failed: ") + e.what());
  }
}

asio::awaitable<bool> Sleep(Clock::duration delay) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  co_return !ec;
}

}  // namespace

Execution::Execution(const Route& route, RequestContext& ctx,
                     const ExecuteOptions& options, const AttemptFn& attempt,
                     RouteOutcome& outcome)
    : route_(route),
      ctx_(ctx),
      options_(options),
      attempt_(attempt),
      outcome_(outcome) {}

asio::awaitable<Status> Execution::RunNode(const Node& node) {
  if (node.leaf()) co_return co_await RunLeaf(node);
  co_return co_await node.impl->Run(node, *this);
}

void Execution::RecordFallback(const Node& from) {
  ++outcome_.fallbacks;
  if (route_.metrics() != nullptr) {
    route_.metrics()->Fallback(route_.name(),
                               from.path.empty() ? "root" : from.path);
  }
}

bool Execution::Streamed(const AttemptInfo& info) const {
  return options_.streaming &&
         (info.first_chunk().has_value() || ctx_.first_token.has_value());
}

asio::awaitable<Status> Execution::RunLeaf(const Node& node) {
  const Target& t = *node.target;
  TargetState& state = *t.state;
  std::optional<Error> last;
  for (int retry = 0;; ++retry) {
    auto now = Clock::now();
    if (now >= ctx_.deadline) {
      if (last) co_return std::move(*last);
      co_return Error::Timeout(t.label + ": request deadline exceeded");
    }
    if ((co_await asio::this_coro::cancellation_state).cancelled() !=
        asio::cancellation_type::none) {
      co_return Cancelled(t.label);
    }
    const auto permit = state.breaker.Allow(t.breaker, now);
    if (!permit.allowed) {
      // Opened by other requests while this one was retrying: stop here
      // and report what the target actually said.
      if (last) co_return std::move(*last);
      if (t.metrics) t.metrics->Rejected(kCircuitOpenCode);
      co_return CircuitOpen(t, state.breaker.OpenRemaining(now));
    }

    Clock::time_point wait_deadline = ctx_.deadline;
    if (t.limits.queue_timeout.count() > 0) {
      wait_deadline = std::min(wait_deadline, now + t.limits.queue_timeout);
    }
    Status slot = Ok{};
    if (!state.limiter.TryAcquire()) {
      slot = co_await state.limiter.Acquire(wait_deadline, t.label);
      if (t.metrics) t.metrics->QueueWait(Seconds(Clock::now() - now));
    }
    if (!slot.ok()) {
      state.breaker.Record(t.breaker, permit, AttemptVerdict::kNeutral,
                           Clock::now());
      if (slot.error().code == kConcurrencyLimitCode && t.metrics) {
        t.metrics->Rejected(kConcurrencyLimitCode);
      }
      if (last && slot.error().http_status != 499) co_return std::move(*last);
      co_return std::move(slot.error());
    }

    const auto started = Clock::now();
    if (retry == 0) state.budget.RecordRequest(started);
    Clock::time_point deadline = ctx_.deadline;
    if (t.timeouts.request.count() > 0) {
      deadline = std::min(deadline, started + t.timeouts.request);
    }
    const std::string_view model = t.upstream_model.empty()
                                       ? std::string_view(ctx_.model)
                                       : t.upstream_model;
    ++outcome_.attempts;
    outcome_.target_path = t.path;
    outcome_.provider = t.provider;
    outcome_.upstream_model = std::string(model);
    ctx_.provider = t.provider;
    ctx_.upstream_model = outcome_.upstream_model;
    // Streams send their headers at the first chunk, before Execute returns.
    ctx_.target_path = t.path;
    ctx_.attempts = outcome_.attempts;
    AttemptInfo info(t, outcome_.upstream_model, outcome_.attempts, retry,
                     started, deadline);

    Status status = co_await RunAttempt(t, info);

    const auto finished = Clock::now();
    state.limiter.Release();
    ctx_.upstream_time += finished - started;
    const AttemptVerdict verdict =
        status.ok() ? AttemptVerdict::kSuccess
                    : VerdictForStatus(status.error().http_status);
    state.breaker.Record(t.breaker, permit, verdict, finished);
    if (t.metrics) t.metrics->Attempt(Seconds(finished - started));
    if (status.ok()) {
      // Streams: time to first token is the latency that matters.
      const auto first = info.first_chunk();
      state.latency.Observe((first ? *first : finished) - started, finished);
      co_return status;
    }
    if (verdict == AttemptVerdict::kFailure) {
      state.latency.ObserveFailure(finished - started, finished);
    }
    if (t.metrics) t.metrics->AttemptError(status.error().http_status);
    last = std::move(status.error());

    if (Streamed(info)) {
      outcome_.committed = true;
      co_return std::move(*last);
    }
    if (last->http_status == 499) co_return std::move(*last);
    const RetryDecision decision =
        DecideRetry(t.retry, *last, retry, ctx_.deadline - Clock::now());
    if (!decision.retry) co_return std::move(*last);
    if (!state.budget.TryAcquire(t.retry, Clock::now())) {
      if (t.metrics) t.metrics->Rejected("retry_budget");
      co_return std::move(*last);
    }
    ++outcome_.retries;
    if (t.metrics) t.metrics->Retry();
    if (!co_await Sleep(decision.delay)) co_return Cancelled(t.label);
  }
}

asio::awaitable<Status> Execution::RunAttempt(const Target& t,
                                              AttemptInfo& info) {
  const bool watched =
      t.timeouts.request.count() > 0 ||
      (options_.streaming && (t.timeouts.first_token.count() > 0 ||
                              t.timeouts.stream_idle.count() > 0));
  // Without route timeouts the attempt runs bare: no extra coroutine, timer
  // or allocation on the happy path.
  if (!watched) co_return co_await attempt_(t, info);
  using namespace asio::experimental::awaitable_operators;
  auto raced = co_await (Guarded(attempt_(t, info)) || Watchdog(t, info));
  if (raced.index() == 0) co_return std::move(std::get<0>(raced));
  co_return std::move(std::get<1>(raced));
}

asio::awaitable<Error> Execution::Watchdog(const Target& t, AttemptInfo& info) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const auto& to = t.timeouts;
  while (true) {
    const auto now = Clock::now();
    auto next = Clock::time_point::max();
    if (to.request.count() > 0) {
      const auto limit = info.started() + to.request;
      if (now >= limit)
        co_return RouteTimeout(t, "request_timeout", "request_timeout",
                               to.request);
      next = std::min(next, limit);
    }
    if (options_.streaming) {
      const bool first = Streamed(info);
      if (!first && to.first_token.count() > 0) {
        const auto limit = info.started() + to.first_token;
        if (now >= limit) {
          co_return RouteTimeout(t, "first_token_timeout",
                                 "first_token_timeout", to.first_token);
        }
        next = std::min(next, limit);
      }
      // Idle time is only measured for callers that report chunks.
      if (to.stream_idle.count() > 0) {
        if (const auto last = info.last_chunk()) {
          const auto limit = *last + to.stream_idle;
          if (now >= limit) {
            co_return RouteTimeout(t, "stream_idle_timeout",
                                   "stream_idle_timeout", to.stream_idle);
          }
          next = std::min(next, limit);
        } else {
          // No chunk yet: nothing wakes this loop when the first one
          // arrives, so look again after one idle period.
          next = std::min(next, now + to.stream_idle);
        }
      }
    }
    timer.expires_at(next);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    // Cancelled: the attempt finished first; this value is discarded.
    if (ec) co_return Cancelled(t.label);
  }
}

asio::awaitable<Status> ExecuteRoute(const Route& route, RequestContext& ctx,
                                     const ExecuteOptions& options,
                                     const AttemptFn& attempt) {
  RouteOutcome local;
  RouteOutcome& outcome = options.outcome != nullptr ? *options.outcome : local;
  Execution exec(route, ctx, options, attempt, outcome);
  try {
    co_return co_await exec.RunNode(route.root());
  } catch (const boost::system::system_error& e) {
    // Asio throws on the next await once the request's coroutine has been
    // cancelled (client gone); report it like any other cancellation.
    if (e.code() != asio::error::operation_aborted) throw;
  }
  co_return Cancelled("route \"" + route.name() + "\"");
}

}  // namespace across::routing
