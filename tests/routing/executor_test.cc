// The executor against a scripted fake upstream (no network): strategies,
// fallback triggers, retries and their timing, Retry-After, budget, breaker,
// concurrency limit, timeouts, streaming commit, conditional routing and
// metrics.
#include "gateway/routing/executor.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/parse.hpp>
#include <thread>

#include "tests/routing/fake_upstream.h"

namespace across::routing {
namespace {

using testing::Call;
using testing::FakeUpstream;
using testing::MustCompile;
using testing::RunSync;
using testing::Step;
using namespace std::chrono_literals;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

class ExecutorTest : public ::testing::Test {
 protected:
  // Runs one request through `route`.
  Status Run(const Route& route, RouteOutcome* outcome = nullptr,
             bool streaming = false,
             const boost::json::object* facts = nullptr) {
    RequestContext ctx = NewContext();
    return RunWith(route, ctx, outcome, streaming, facts);
  }

  Status RunWith(const Route& route, RequestContext& ctx,
                 RouteOutcome* outcome = nullptr, bool streaming = false,
                 const boost::json::object* facts = nullptr) {
    ExecuteOptions options;
    options.outcome = outcome;
    options.streaming = streaming;
    options.facts = facts;
    return RunSync(ExecuteRoute(route, ctx, options, fake_.Fn()));
  }

  RequestContext NewContext() {
    RequestContext ctx;
    ctx.model = "client-model";
    ctx.deadline = Clock::now() + 10s;
    return ctx;
  }

  FakeUpstream fake_;
};

TEST_F(ExecutorTest, SingleTargetReportsWhatAnswered) {
  auto route = MustCompile("name: r\nprovider: a\n");
  RouteOutcome outcome;
  RequestContext ctx = NewContext();
  ASSERT_TRUE(RunWith(*route, ctx, &outcome).ok());
  EXPECT_EQ(outcome.target_path, "root");
  EXPECT_EQ(outcome.provider, "a");
  EXPECT_EQ(outcome.upstream_model, "client-model");  // target names none
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_EQ(ctx.provider, "a");
  EXPECT_EQ(ctx.upstream_model, "client-model");
  EXPECT_EQ(fake_.calls()[0].model, "client-model");
}

TEST_F(ExecutorTest, NestedTargetPath) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
targets:
  - strategy: loadbalance
    targets:
      - {provider: never, weight: 0}
      - {provider: b, upstream_model: b-1}
  - {provider: c}
)");
  RouteOutcome outcome;
  ASSERT_TRUE(Run(*route, &outcome).ok());
  EXPECT_EQ(outcome.target_path, "targets[0].targets[1]");
  EXPECT_EQ(outcome.upstream_model, "b-1");

  fake_.Script("b", {{.status = 503}});
  RouteOutcome second;
  ASSERT_TRUE(Run(*route, &second).ok());
  EXPECT_EQ(second.target_path, "targets[1]");
  EXPECT_EQ(second.attempts, 2);
  EXPECT_EQ(second.fallbacks, 1);
  EXPECT_EQ(fake_.CountFor("never"), 0);
}

class FallbackTriggerTest : public ExecutorTest,
                            public ::testing::WithParamInterface<int> {};

TEST_P(FallbackTriggerTest, MovesOnToTheNextTarget) {
  auto route = MustCompile(
      "name: r\nstrategy: fallback\ntargets: [{provider: a}, {provider: b}]\n");
  fake_.Script("a", {{.status = GetParam()}});
  RouteOutcome outcome;
  Status s = Run(*route, &outcome);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(outcome.target_path, "targets[1]");
  EXPECT_EQ(outcome.fallbacks, 1);
  EXPECT_EQ(fake_.CountFor("a"), 1);
  EXPECT_EQ(fake_.CountFor("b"), 1);
}

// 408/504 timeouts, 429 rate limits, 5xx, 502 connection failures.
INSTANTIATE_TEST_SUITE_P(DefaultTriggers, FallbackTriggerTest,
                         ::testing::Values(408, 429, 500, 502, 503, 504));

class NoFallbackTest : public ExecutorTest,
                       public ::testing::WithParamInterface<int> {};

TEST_P(NoFallbackTest, ClientErrorsEndTheRequest) {
  auto route = MustCompile(
      "name: r\nstrategy: fallback\ntargets: [{provider: a}, {provider: b}]\n");
  fake_.Script("a", {{.status = GetParam()}});
  RouteOutcome outcome;
  Status s = Run(*route, &outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, GetParam());
  EXPECT_EQ(outcome.target_path, "targets[0]");
  EXPECT_EQ(fake_.CountFor("b"), 0);
}

INSTANTIATE_TEST_SUITE_P(ClientErrors, NoFallbackTest,
                         ::testing::Values(400, 401, 403, 404, 422));

TEST_F(ExecutorTest, CustomFallbackCodesAndLastErrorWins) {
  auto route = MustCompile(
      "name: r\nstrategy: fallback\non_status_codes: [429]\n"
      "targets: [{provider: a}, {provider: b}, {provider: c}]\n");
  fake_.Script("a", {{.status = 500}});
  Status s = Run(*route);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 500);  // 500 is not in this node's list
  EXPECT_EQ(fake_.CountFor("b"), 0);

  fake_.Script("a", {{.status = 429}});
  fake_.Script("b", {{.status = 429}});
  fake_.Script("c", {{.status = 429, .retry_after = 2000ms}});
  RouteOutcome outcome;
  s = Run(*route, &outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message, "c: upstream said 429");
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(outcome.fallbacks, 2);
  EXPECT_EQ(outcome.target_path, "targets[2]");
}

TEST_F(ExecutorTest, RetriesWithBoundedExponentialBackoff) {
  auto route = MustCompile(
      "name: r\nprovider: a\nretry: {attempts: 3, backoff_base_ms: 20, "
      "backoff_cap_ms: 40}\n");
  fake_.Script("a", {{.status = 503}, {.status = 502}, {.status = 500}});
  RouteOutcome outcome;
  const auto start = Clock::now();
  Status s = Run(*route, &outcome);
  const auto elapsed = Clock::now() - start;
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_EQ(outcome.retries, 3);
  auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 4u);
  // Full jitter: the n-th wait is in [0, min(cap, base * 2^(n-1))].
  const double ceilings[] = {20, 40, 40};
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(calls[i].retry, i);
    EXPECT_LE(Ms(calls[i].at - calls[i - 1].at), ceilings[i - 1] + 30)
        << "retry " << i;
  }
  EXPECT_LE(Ms(elapsed), 100 + 60);
}

TEST_F(ExecutorTest, RetryStopsAtAttemptsAndOnNonRetryableStatus) {
  auto route = MustCompile(
      "name: r\nprovider: a\nretry: {attempts: 2, backoff_base_ms: 1}\n");
  fake_.Script("a", {}, {.status = 503});
  RouteOutcome outcome;
  Status s = Run(*route, &outcome);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(outcome.attempts, 3);  // first try + 2 retries
  EXPECT_EQ(outcome.retries, 2);

  fake_.ClearCalls();
  fake_.Script("a", {{.status = 400}});
  s = Run(*route);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 400);
  EXPECT_EQ(fake_.CountFor("a"), 1);
}

TEST_F(ExecutorTest, RetryAfterIsHonoured) {
  auto route = MustCompile(
      "name: r\nprovider: a\nretry: {attempts: 1, backoff_base_ms: 1}\n");
  fake_.Script("a", {{.status = 429, .retry_after = 150ms}});
  Status s = Run(*route);
  ASSERT_TRUE(s.ok()) << s.error().message;
  auto calls = fake_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_GE(Ms(calls[1].at - calls[0].at), 149);
  EXPECT_LE(Ms(calls[1].at - calls[0].at), 250);
}

TEST_F(ExecutorTest, RetryAfterBeyondTheDeadlineIsNotWaitedFor) {
  auto route = MustCompile(
      "name: r\nstrategy: fallback\nretry: {attempts: 3}\n"
      "targets: [{provider: a}, {provider: b}]\n");
  fake_.Script("a", {{.status = 429, .retry_after = 5000ms}});
  RequestContext ctx = NewContext();
  ctx.deadline = Clock::now() + 1s;
  RouteOutcome outcome;
  const auto start = Clock::now();
  Status s = RunWith(*route, ctx, &outcome);
  ASSERT_TRUE(s.ok()) << s.error().message;
  // No 5s wait: the retry is dropped and the fallback moves on at once.
  EXPECT_LT(Ms(Clock::now() - start), 100);
  EXPECT_EQ(outcome.target_path, "targets[1]");
  EXPECT_EQ(outcome.retries, 0);
}

TEST_F(ExecutorTest, DeadlineBoundsRetries) {
  auto route = MustCompile(
      "name: r\nprovider: a\nretry: {attempts: 5, backoff_base_ms: 60, "
      "backoff_cap_ms: 60}\n");
  fake_.Script("a", {}, {.status = 503, .delay = 20ms});
  RequestContext ctx = NewContext();
  ctx.deadline = Clock::now() + 120ms;
  const auto start = Clock::now();
  Status s = RunWith(*route, ctx);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_LE(Ms(Clock::now() - start), 120 + 60);
  EXPECT_LT(fake_.CountFor("a"), 6);
}

TEST_F(ExecutorTest, RetryBudgetStopsRetryStorms) {
  auto route = MustCompile(
      "name: r\nprovider: a\n"
      "retry: {attempts: 5, backoff_base_ms: 1, budget_ratio: 0, "
      "budget_min_retries: 2}\n");
  fake_.Script("a", {}, {.status = 503});
  RouteOutcome first, second;
  EXPECT_FALSE(Run(*route, &first).ok());
  EXPECT_FALSE(Run(*route, &second).ok());
  EXPECT_EQ(first.retries, 2);  // the budget's floor
  EXPECT_EQ(second.retries, 0);
}

TEST_F(ExecutorTest, BreakerOpensSkipsProbesAndCloses) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
breaker: {consecutive_failures: 2, cooldown_ms: 100}
targets: [{provider: a}, {provider: b}]
)");
  const Target& a = *route->targets()[0];
  fake_.Script("a", {{.status = 500}, {.status = 500}});
  ASSERT_TRUE(Run(*route).ok());
  ASSERT_TRUE(Run(*route).ok());
  EXPECT_EQ(a.state->breaker.state(), BreakerState::kOpen);
  EXPECT_EQ(fake_.CountFor("a"), 2);

  // Open: a is skipped without a call.
  RouteOutcome skipped;
  ASSERT_TRUE(Run(*route, &skipped).ok());
  EXPECT_EQ(fake_.CountFor("a"), 2);
  EXPECT_EQ(skipped.target_path, "targets[1]");
  EXPECT_EQ(skipped.attempts, 1);
  EXPECT_EQ(skipped.fallbacks, 1);

  // After the cooldown one probe goes through; its success closes.
  std::this_thread::sleep_for(110ms);
  RouteOutcome probe;
  ASSERT_TRUE(Run(*route, &probe).ok());
  EXPECT_EQ(probe.target_path, "targets[0]");
  EXPECT_EQ(a.state->breaker.state(), BreakerState::kClosed);
}

TEST_F(ExecutorTest, OpenBreakerOnALoneTargetFailsFast) {
  auto route = MustCompile(
      "name: r\nprovider: a\nbreaker: {consecutive_failures: 1, cooldown_ms: "
      "5000}\n");
  fake_.Script("a", {{.status = 502}});
  EXPECT_FALSE(Run(*route).ok());
  Status s = Run(*route);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 503);
  EXPECT_EQ(s.error().code, "circuit_open");
  ASSERT_TRUE(s.error().retry_after.has_value());
  EXPECT_GT(s.error().retry_after->count(), 4000);
  EXPECT_EQ(fake_.CountFor("a"), 1);
}

TEST_F(ExecutorTest, LoadBalanceAvoidsOpenBreakers) {
  auto route = MustCompile(R"(
name: r
strategy: loadbalance
breaker: {consecutive_failures: 1, cooldown_ms: 5000}
targets: [{provider: a}, {provider: b}]
)");
  route->targets()[0]->state->breaker.Record(
      route->targets()[0]->breaker, CircuitBreaker::Permit{},
      AttemptVerdict::kFailure, Clock::now());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Run(*route).ok());
  EXPECT_EQ(fake_.CountFor("a"), 0);
  EXPECT_EQ(fake_.CountFor("b"), 50);
}

TEST_F(ExecutorTest, ConcurrencyLimitRejectsOverflow) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
targets:
  - {provider: a, max_inflight: 1, max_queue: 1}
  - {provider: b}
)");
  auto lone =
      MustCompile("name: lone\nprovider: a\nmax_inflight: 1\nmax_queue: 0\n");
  fake_.Script("a", {}, {.delay = 50ms});
  asio::io_context io;
  std::vector<RouteOutcome> outcomes(3);
  std::vector<std::optional<Status>> results(5);
  std::vector<RequestContext> ctxs(5, NewContext());
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          ExecuteOptions o{.outcome = &outcomes[i]};
          results[i] = co_await ExecuteRoute(*route, ctxs[i], o, fake_.Fn());
        },
        asio::detached);
  }
  for (int i = 3; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          results[i] = co_await ExecuteRoute(*lone, ctxs[i], {}, fake_.Fn());
        },
        asio::detached);
  }
  io.run();
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(results[i]->ok()) << results[i]->error().message;
  // First runs, second queues and then runs on a, third overflows to b.
  EXPECT_EQ(outcomes[0].target_path, "targets[0]");
  EXPECT_EQ(outcomes[1].target_path, "targets[0]");
  EXPECT_EQ(outcomes[2].target_path, "targets[1]");
  EXPECT_EQ(outcomes[2].attempts, 1);
  // A lone limited target: 429 RESOURCE_EXHAUSTED, not an endless queue.
  EXPECT_TRUE(results[3]->ok());
  ASSERT_FALSE(results[4]->ok());
  EXPECT_EQ(results[4]->error().http_status, 429);
  EXPECT_EQ(results[4]->error().code, "concurrency_limit");
  EXPECT_EQ(GrpcCodeForHttpStatus(results[4]->error().http_status),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(results[4]->error().message,
            "root (a/*): concurrency limit reached (max_inflight 1, max_queue "
            "0): wait queue "
            "full");
}

TEST_F(ExecutorTest, WeightedDistributionWithinStatisticalBounds) {
  auto route = MustCompile(R"(
name: r
strategy: loadbalance
targets: [{provider: a, weight: 1}, {provider: b, weight: 3}, {provider: z, weight: 0}]
)");
  constexpr int kRequests = 4000;
  for (int i = 0; i < kRequests; ++i) ASSERT_TRUE(Run(*route).ok());
  // Binomial(4000, 0.25): mean 1000, sd ~27; allow 5 sd.
  EXPECT_NEAR(fake_.CountFor("a"), 1000, 137);
  EXPECT_NEAR(fake_.CountFor("b"), 3000, 137);
  EXPECT_EQ(fake_.CountFor("z"), 0);
}

TEST_F(ExecutorTest, LeastInflightSpreadsConcurrentRequests) {
  auto route = MustCompile(R"(
name: r
strategy: loadbalance
loadbalance_mode: least_inflight
targets: [{provider: a}, {provider: b}, {provider: c}]
)");
  fake_.Script("a", {}, {.delay = 20ms});
  fake_.Script("b", {}, {.delay = 20ms});
  fake_.Script("c", {}, {.delay = 20ms});
  asio::io_context io;
  std::vector<RequestContext> ctxs(9, NewContext());
  for (int i = 0; i < 9; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          (void)co_await ExecuteRoute(*route, ctxs[i], {}, fake_.Fn());
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(fake_.CountFor("a"), 3);
  EXPECT_EQ(fake_.CountFor("b"), 3);
  EXPECT_EQ(fake_.CountFor("c"), 3);
}

TEST_F(ExecutorTest, LatencyModePrefersTheFasterTarget) {
  auto route = MustCompile(R"(
name: r
strategy: loadbalance
loadbalance_mode: latency
targets: [{provider: slow}, {provider: fast}]
)");
  fake_.Script("slow", {}, {.delay = 60ms});
  fake_.Script("fast", {}, {.delay = 1ms});
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Run(*route).ok());
  EXPECT_LE(fake_.CountFor("slow"), 3);
  EXPECT_GE(fake_.CountFor("fast"), 27);
}

TEST_F(ExecutorTest, ConditionalRouting) {
  auto route = MustCompile(R"(
name: tiered
strategy: conditional
conditions:
  - {query: {metadata.tier: {$eq: paid}}, then: premium}
  - {query: {$and: [{params.max_tokens: {$gte: 1000}}, {params.model: {$regex: "^gpt"}}]}, then: 1}
default: cheap
targets:
  - {name: premium, provider: p}
  - {name: big, provider: b}
  - {name: cheap, provider: c}
)");
  auto facts = [](const char* j) { return boost::json::parse(j).as_object(); };
  RouteOutcome o1, o2, o3;
  auto paid = facts(
      R"({"metadata": {"tier": "paid"}, "params": {"max_tokens": 5000}})");
  auto big = facts(
      R"({"metadata": {"tier": "free"}, "params": {"max_tokens": 5000, "model": "gpt-4o"}})");
  auto other = facts(R"({"metadata": {}, "params": {"max_tokens": 10}})");
  ASSERT_TRUE(Run(*route, &o1, false, &paid).ok());
  ASSERT_TRUE(Run(*route, &o2, false, &big).ok());
  ASSERT_TRUE(Run(*route, &o3, false, &other).ok());
  EXPECT_EQ(o1.target_path, "targets[0]");
  EXPECT_EQ(o2.target_path, "targets[1]");
  EXPECT_EQ(o3.target_path, "targets[2]");

  auto strict = MustCompile(R"(
name: strict
strategy: conditional
conditions: [{query: {metadata.tier: paid}, then: 0}]
targets: [{provider: p}]
)");
  RouteOutcome none;
  Status s = Run(*strict, &none, false, &other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 400);
  EXPECT_EQ(s.error().code, "no_route_match");
  EXPECT_EQ(s.error().message,
            "route \"strict\": no condition matched at the root and no default "
            "target is set");
  EXPECT_EQ(GrpcCodeForHttpStatus(s.error().http_status),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(none.attempts, 0);
}

TEST_F(ExecutorTest, StreamingFallsBackOnlyBeforeTheFirstByte) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
retry: {attempts: 2, backoff_base_ms: 1}
targets: [{provider: a}, {provider: b}]
)");
  fake_.Script("a", {{.status = 503}, {.status = 503}, {.status = 503}});
  RouteOutcome before;
  ASSERT_TRUE(Run(*route, &before, /*streaming=*/true).ok());
  EXPECT_EQ(before.target_path, "targets[1]");

  fake_.ClearCalls();
  fake_.Script("a", {{.status = 502, .chunks = 2}});
  RouteOutcome after;
  Status s = Run(*route, &after, /*streaming=*/true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 502);
  EXPECT_TRUE(after.committed);
  EXPECT_EQ(after.attempts, 1);  // no retry, no fallback after the first byte
  EXPECT_EQ(fake_.CountFor("b"), 0);
}

TEST_F(ExecutorTest, FirstTokenViaRequestContextAlsoCommits) {
  auto route = MustCompile(
      "name: r\nstrategy: fallback\ntargets: [{provider: a}, {provider: b}]\n");
  fake_.Script("a", {{.status = 500}});
  RequestContext ctx = NewContext();
  ctx.first_token = Clock::now();  // what the engine's metered sink sets
  RouteOutcome outcome;
  EXPECT_FALSE(RunWith(*route, ctx, &outcome, /*streaming=*/true).ok());
  EXPECT_TRUE(outcome.committed);
  EXPECT_EQ(fake_.CountFor("b"), 0);
}

TEST_F(ExecutorTest, RequestTimeoutCancelsTheAttemptAndFallsBack) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
request_timeout_ms: 50
targets: [{provider: a}, {provider: b}]
)");
  fake_.Script("a", {{.delay = 1000ms}});
  RouteOutcome outcome;
  const auto start = Clock::now();
  Status s = Run(*route, &outcome);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_LT(Ms(Clock::now() - start), 300);
  EXPECT_EQ(outcome.target_path, "targets[1]");

  auto lone = MustCompile("name: r\nprovider: a\nrequest_timeout_ms: 30\n");
  fake_.Script("a", {{.delay = 1000ms}});
  s = Run(*lone);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 408);
  EXPECT_EQ(s.error().code, "request_timeout");
  EXPECT_EQ(s.error().message, "root (a/*): request_timeout of 30ms exceeded");
  EXPECT_TRUE(IsTimeout(s.error()));
}

TEST_F(ExecutorTest, FirstTokenTimeoutFallsBack) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
first_token_timeout_ms: 40
targets: [{provider: a}, {provider: b}]
)");
  fake_.Script("a", {{.delay = 1000ms, .chunks = 1}});
  fake_.Script("b", {{.delay = 1ms, .chunks = 3}});
  RouteOutcome outcome;
  const auto start = Clock::now();
  Status s = Run(*route, &outcome, /*streaming=*/true);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_LT(Ms(Clock::now() - start), 300);
  EXPECT_EQ(outcome.target_path, "targets[1]");
}

TEST_F(ExecutorTest, StreamIdleTimeoutEndsACommittedStream) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
stream_idle_timeout_ms: 40
targets: [{provider: a}, {provider: b}]
)");
  fake_.Script("a", {{.chunks = 3, .chunk_gap = 1000ms}});
  RouteOutcome outcome;
  Status s = Run(*route, &outcome, /*streaming=*/true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "stream_idle_timeout");
  EXPECT_TRUE(outcome.committed);
  EXPECT_EQ(fake_.CountFor("b"), 0);
}

TEST_F(ExecutorTest, CancellationStopsTheRequest) {
  auto route = MustCompile(
      "name: r\nprovider: a\nretry: {attempts: 5, backoff_base_ms: 1000}\n");
  fake_.Script("a", {}, {.status = 503});
  asio::io_context io;
  asio::cancellation_signal cancel;
  RequestContext ctx = NewContext();
  std::optional<Status> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        result = co_await ExecuteRoute(*route, ctx, {}, fake_.Fn());
      },
      asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  asio::steady_timer timer(io, 30ms);
  timer.async_wait(
      [&](auto) { cancel.emit(asio::cancellation_type::terminal); });
  const auto start = Clock::now();
  io.run();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->error().http_status, 499);
  EXPECT_LT(Ms(Clock::now() - start), 500);
}

TEST_F(ExecutorTest, ThrowingAttemptUnderATimeoutEndsAtOnce) {
  auto route = MustCompile("name: r\nprovider: a\nrequest_timeout_ms: 5000\n");
  RequestContext ctx = NewContext();
  const auto start = Clock::now();
  AttemptFn boom = [](const Target&, AttemptInfo&) -> asio::awaitable<Status> {
    throw std::runtime_error("provider bug");
    co_return Ok{};
  };
  Status s = RunSync(ExecuteRoute(*route, ctx, {}, boom));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().http_status, 500);
  EXPECT_EQ(s.error().message, "attempt failed: provider bug");
  EXPECT_LT(Ms(Clock::now() - start), 1000);
}

TEST_F(ExecutorTest, TypedExecuteReturnsTheAttemptsValue) {
  auto route = MustCompile(R"(
name: r
strategy: fallback
override_params: {temperature: 0.1}
targets: [{provider: a}, {provider: b, override_params: {model: b-big, temperature: 0.9}}]
)");
  RequestContext ctx = NewContext();
  auto result = RunSync(Execute<std::string>(
      *route, ctx, {},
      [&](const Target& t,
          AttemptInfo& a) -> asio::awaitable<Result<std::string>> {
        if (t.provider == "a") co_return Error::FromHttpStatus(503, "a down");
        co_return std::string(a.upstream_model()) + "@" +
            std::to_string(
                t.override_params.fields().at("temperature").number_value());
      }));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(*result, "b-big@0.900000");
}

TEST_F(ExecutorTest, MetricsCountAttemptsRetriesFallbacksAndBreaker) {
  prometheus::Registry registry;
  RoutingMetrics metrics(registry);
  TargetStateRegistry states(&metrics);
  CompileOptions options{.states = &states, .metrics = &metrics};
  auto route = MustCompile(R"(
name: m
strategy: fallback
retry: {attempts: 1, backoff_base_ms: 1}
breaker: {consecutive_failures: 2, cooldown_ms: 60000}
targets: [{provider: a, upstream_model: x}, {provider: b}]
)",
                           options);
  fake_.Script("a", {{.status = 503}, {.status = 503}});
  ASSERT_TRUE(Run(*route).ok());
  std::string text = prometheus::TextSerializer().Serialize(registry.Collect());
  for (const char* want : {
           "across_route_attempts_total{provider=\"a\",route=\"m\",target="
           "\"targets[0]\"} 2",
           "across_route_attempts_total{provider=\"b\",route=\"m\",target="
           "\"targets[1]\"} 1",
           "across_route_retries_total{provider=\"a\",route=\"m\",target="
           "\"targets[0]\"} 1",
           "across_route_attempt_errors_total{provider=\"a\",route=\"m\","
           "status=\"503\","
           "target=\"targets[0]\"} 2",
           "across_route_fallbacks_total{from=\"targets[0]\",route=\"m\"} 1",
           "across_route_breaker_state{target=\"a/x\"} 1",
           "across_route_breaker_transitions_total{target=\"a/x\",to=\"open\"} "
           "1",
       }) {
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
  }
  ASSERT_TRUE(Run(*route).ok());  // a skipped while open
  text = prometheus::TextSerializer().Serialize(registry.Collect());
  EXPECT_NE(text.find("across_route_rejections_total{provider=\"a\",reason="
                      "\"circuit_open\","
                      "route=\"m\",target=\"targets[0]\"} 1"),
            std::string::npos)
      << text;
  auto snapshot = states.Snapshot();
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].label, "a/x");
  EXPECT_EQ(snapshot[0].breaker, BreakerState::kOpen);
}

TEST_F(ExecutorTest, SharedStateIsSafeAcrossWorkerThreads) {
  TargetStateRegistry states;
  CompileOptions options{.states = &states};
  auto route = MustCompile(R"(
name: r
strategy: fallback
breaker: {error_rate: 0.9, min_requests: 1000}
targets:
  - strategy: loadbalance
    loadbalance_mode: latency
    max_inflight: 4
    max_queue: 1000
    targets: [{provider: a}, {provider: b}]
  - {provider: c}
)",
                           options);
  fake_.Script("a", {}, {.delay = 1ms});
  fake_.Script("b", {}, {.delay = 2ms});
  std::atomic<int> ok{0};
  auto worker = [&] {
    asio::io_context io;
    std::vector<RequestContext> ctxs(200, NewContext());
    for (auto& ctx : ctxs) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            Status s = co_await ExecuteRoute(*route, ctx, {}, fake_.Fn());
            if (s.ok()) ++ok;
          },
          asio::detached);
    }
    io.run();
  };
  std::thread t1(worker), t2(worker), t3(worker);
  t1.join();
  t2.join();
  t3.join();
  EXPECT_EQ(ok.load(), 600);
  for (const Target* t : route->targets())
    EXPECT_EQ(t->state->limiter.inflight(), 0);
}

}  // namespace
}  // namespace across::routing
