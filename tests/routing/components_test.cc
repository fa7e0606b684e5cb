// The per-target building blocks on their own: sliding window, breaker,
// backoff and retry decisions, retry budget, peak-EWMA, concurrency limiter.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "gateway/routing/circuit_breaker.h"
#include "gateway/routing/concurrency_limiter.h"
#include "gateway/routing/peak_ewma.h"
#include "gateway/routing/retry_policy.h"
#include "gateway/routing/sliding_window.h"

namespace across::routing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(SlidingWindowTest, ForgetsOldBuckets) {
  SlidingWindow w(1000ms, 10);
  const auto t0 = Clock::time_point(1000s);
  w.Add(t0, 1, 0);
  w.Add(t0 + 500ms, 0, 2);
  auto s = w.Sum(t0 + 900ms);
  EXPECT_EQ(s.a, 1);
  EXPECT_EQ(s.b, 2);
  s = w.Sum(t0 + 1200ms);  // first bucket left the window
  EXPECT_EQ(s.a, 0);
  EXPECT_EQ(s.b, 2);
  w.Add(t0 + 3000ms, 5, 0);  // recycles a bucket
  s = w.Sum(t0 + 3000ms);
  EXPECT_EQ(s.a, 5);
  EXPECT_EQ(s.b, 0);
}

class BreakerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    breaker_.set_listener(
        [this](BreakerState, BreakerState to) { transitions_.push_back(to); });
  }
  void Fail(Clock::time_point at) {
    auto p = breaker_.Allow(policy_, at);
    ASSERT_TRUE(p.allowed);
    breaker_.Record(policy_, p, AttemptVerdict::kFailure, at);
  }
  BreakerPolicy policy_{.consecutive_failures = 3, .cooldown = 1000ms};
  CircuitBreaker breaker_{10000ms};
  std::vector<BreakerState> transitions_;
  Clock::time_point t0_ = Clock::time_point(1000s);
};

TEST_F(BreakerTest, OpensAfterConsecutiveFailuresAndSkips) {
  Fail(t0_);
  Fail(t0_);
  // A success resets the run.
  auto p = breaker_.Allow(policy_, t0_);
  breaker_.Record(policy_, p, AttemptVerdict::kSuccess, t0_);
  Fail(t0_);
  Fail(t0_);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  Fail(t0_);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_FALSE(breaker_.Allow(policy_, t0_ + 999ms).allowed);
  EXPECT_TRUE(breaker_.Rejecting(t0_ + 500ms));
  EXPECT_EQ(breaker_.OpenRemaining(t0_ + 400ms), Clock::duration(600ms));
}

TEST_F(BreakerTest, HalfOpenProbeClosesOnSuccess) {
  for (int i = 0; i < 3; ++i) Fail(t0_);
  const auto later = t0_ + 1001ms;
  EXPECT_FALSE(breaker_.Rejecting(later));
  auto probe = breaker_.Allow(policy_, later);
  EXPECT_TRUE(probe.allowed);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  // Only one probe at a time.
  EXPECT_FALSE(breaker_.Allow(policy_, later).allowed);
  breaker_.Record(policy_, probe, AttemptVerdict::kSuccess, later);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
  EXPECT_TRUE(breaker_.Allow(policy_, later).allowed);
  EXPECT_EQ(transitions_, (std::vector<BreakerState>{BreakerState::kOpen,
                                                     BreakerState::kHalfOpen,
                                                     BreakerState::kClosed}));
}

TEST_F(BreakerTest, HalfOpenProbeFailureReopens) {
  for (int i = 0; i < 3; ++i) Fail(t0_);
  const auto later = t0_ + 1500ms;
  auto probe = breaker_.Allow(policy_, later);
  ASSERT_TRUE(probe.probe);
  breaker_.Record(policy_, probe, AttemptVerdict::kFailure, later);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
  EXPECT_FALSE(
      breaker_.Allow(policy_, later + 999ms).allowed);  // a fresh cooldown
  EXPECT_TRUE(breaker_.Allow(policy_, later + 1000ms).probe);
}

TEST_F(BreakerTest, NeutralProbeFreesTheSlot) {
  for (int i = 0; i < 3; ++i) Fail(t0_);
  const auto later = t0_ + 1500ms;
  auto probe = breaker_.Allow(policy_, later);
  breaker_.Record(policy_, probe, AttemptVerdict::kNeutral,
                  later);  // e.g. a 429
  EXPECT_EQ(breaker_.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker_.Allow(policy_, later).probe);
}

TEST_F(BreakerTest, OpensOnErrorRate) {
  BreakerPolicy rate{.error_rate = 0.5,
                     .min_requests = 10,
                     .window = 1000ms,
                     .cooldown = 100ms};
  CircuitBreaker b(rate.window);
  for (int i = 0; i < 6; ++i) {
    auto p = b.Allow(rate, t0_);
    b.Record(rate, p,
             i % 2 == 0 ? AttemptVerdict::kSuccess : AttemptVerdict::kFailure,
             t0_);
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);  // below min_requests
  for (int i = 0; i < 4; ++i) {
    auto p = b.Allow(rate, t0_);
    b.Record(rate, p,
             i % 2 == 0 ? AttemptVerdict::kSuccess : AttemptVerdict::kFailure,
             t0_);
  }
  EXPECT_EQ(b.state(), BreakerState::kOpen);  // 5 of 10 failed
}

TEST_F(BreakerTest, DisabledBreakerNeverRejects) {
  BreakerPolicy off;
  CircuitBreaker b(off.window);
  for (int i = 0; i < 100; ++i) {
    auto p = b.Allow(off, t0_);
    EXPECT_TRUE(p.allowed);
    b.Record(off, p, AttemptVerdict::kFailure, t0_);
  }
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(VerdictTest, WhatCountsAsFailure) {
  EXPECT_EQ(VerdictForStatus(200), AttemptVerdict::kSuccess);
  EXPECT_EQ(VerdictForStatus(500), AttemptVerdict::kFailure);
  EXPECT_EQ(VerdictForStatus(502), AttemptVerdict::kFailure);
  EXPECT_EQ(VerdictForStatus(504), AttemptVerdict::kFailure);
  EXPECT_EQ(VerdictForStatus(408), AttemptVerdict::kFailure);
  EXPECT_EQ(VerdictForStatus(429), AttemptVerdict::kNeutral);
  EXPECT_EQ(VerdictForStatus(400), AttemptVerdict::kNeutral);
  EXPECT_EQ(VerdictForStatus(499), AttemptVerdict::kNeutral);
}

TEST(RetryPolicyTest, FullJitterStaysWithinBounds) {
  RetryPolicy p;
  p.backoff_base = 100ms;
  p.backoff_cap = 1000ms;
  for (int retry = 1; retry <= 6; ++retry) {
    const auto ceiling = std::min<long>(1000, 100L << (retry - 1));
    std::chrono::milliseconds lo(1 << 30), hi(0);
    for (int i = 0; i < 2000; ++i) {
      auto d = BackoffDelay(p, retry);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    EXPECT_GE(lo.count(), 0);
    EXPECT_LE(hi.count(), ceiling) << "retry " << retry;
    EXPECT_GT(hi.count(), ceiling * 8 / 10) << "jitter should cover the range";
    EXPECT_LT(lo.count(), ceiling * 2 / 10 + 1);
  }
}

TEST(RetryPolicyTest, Decisions) {
  RetryPolicy p;
  p.attempts = 2;
  Error e503 = Error::FromHttpStatus(503, "x");
  EXPECT_TRUE(DecideRetry(p, e503, 0, 10s).retry);
  EXPECT_TRUE(DecideRetry(p, e503, 1, 10s).retry);
  EXPECT_EQ(DecideRetry(p, e503, 2, 10s).reason, "attempts");
  EXPECT_EQ(DecideRetry(p, Error::InvalidRequest("bad"), 0, 10s).reason,
            "status");
  Error local = Error::FromHttpStatus(429, "limit");
  local.code = std::string(kConcurrencyLimitCode);
  EXPECT_EQ(DecideRetry(p, local, 0, 10s).reason, "local");
  // Retry-After: honoured exactly, refused past the deadline or the maximum.
  Error e429 = Error::FromHttpStatus(429, "slow down");
  e429.retry_after = 300ms;
  auto d = DecideRetry(p, e429, 0, 10s);
  EXPECT_TRUE(d.retry);
  EXPECT_EQ(d.delay, Clock::duration(300ms));
  EXPECT_EQ(DecideRetry(p, e429, 0, 200ms).reason, "deadline");
  p.max_retry_after = 100ms;
  EXPECT_EQ(DecideRetry(p, e429, 0, 10s).reason, "retry_after");
  p.honor_retry_after = false;
  EXPECT_LE(DecideRetry(p, e429, 0, 10s).delay, Clock::duration(100ms));
}

TEST(RetryBudgetTest, LimitsRetriesToAShareOfRequests) {
  RetryPolicy p;
  p.budget_ratio = 0.2;
  p.budget_min_retries = 0;
  RetryBudget budget(10s);
  const auto now = Clock::now();
  for (int i = 0; i < 50; ++i) budget.RecordRequest(now);
  int granted = 0;
  for (int i = 0; i < 50; ++i) granted += budget.TryAcquire(p, now);
  EXPECT_EQ(granted, 10);
  p.budget_min_retries = 3;
  RetryBudget quiet(10s);
  granted = 0;
  for (int i = 0; i < 10; ++i) granted += quiet.TryAcquire(p, now);
  EXPECT_EQ(granted, 3);  // the floor lets low-traffic targets retry
}

TEST(PeakEwmaTest, JumpsUpDecaysDown) {
  PeakEwma e(100ms);
  const auto t0 = Clock::time_point(1000s);
  e.Observe(10ms, t0);
  EXPECT_NEAR(e.estimate_ns(), 10e6, 1);
  e.Observe(100ms, t0 + 1ms);  // a peak is taken at once
  EXPECT_NEAR(e.estimate_ns(), 100e6, 1);
  e.Observe(10ms, t0 + 1000ms);  // long after: mostly the new sample
  EXPECT_LT(e.estimate_ns(), 11e6);
  e.ObserveFailure(1ms, t0 + 1001ms);  // fast failures don't look fast
  EXPECT_GT(e.estimate_ns(), 9e6);
  EXPECT_DOUBLE_EQ(e.Cost(3), e.estimate_ns() * 4);
}

class LimiterTest : public ::testing::Test {
 protected:
  asio::io_context io_;
};

TEST_F(LimiterTest, RejectsOverflowAndHandsSlotsToWaiters) {
  ConcurrencyLimiter limiter(2, 1);
  std::vector<std::string> events;
  auto user = [&](std::string name,
                  std::chrono::milliseconds hold) -> asio::awaitable<void> {
    auto s = co_await limiter.Acquire(Clock::now() + 5s, "t");
    if (!s.ok()) {
      events.push_back(name + ":" + std::to_string(s.error().http_status) +
                       ":" + s.error().code);
      co_return;
    }
    events.push_back(name + ":in");
    asio::steady_timer t(co_await asio::this_coro::executor, hold);
    co_await t.async_wait(asio::use_awaitable);
    limiter.Release();
  };
  asio::co_spawn(io_, user("a", 30ms), asio::detached);
  asio::co_spawn(io_, user("b", 30ms), asio::detached);
  asio::co_spawn(io_, user("c", 1ms), asio::detached);  // queued
  asio::co_spawn(io_, user("d", 1ms), asio::detached);  // queue full
  io_.run();
  EXPECT_EQ(events, (std::vector<std::string>{
                        "a:in", "b:in", "d:429:concurrency_limit", "c:in"}));
  EXPECT_EQ(limiter.inflight(), 0);
  EXPECT_EQ(limiter.queued(), 0);
}

TEST_F(LimiterTest, QueueWaitIsBounded) {
  ConcurrencyLimiter limiter(1, 5);
  std::optional<Status> second;
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        auto first = co_await limiter.Acquire(Clock::now() + 5s, "t");
        EXPECT_TRUE(first.ok());
        const auto start = Clock::now();
        second =
            co_await limiter.Acquire(Clock::now() + 50ms, "targets[0] (p/m)");
        EXPECT_GE(Clock::now() - start, Clock::duration(45ms));
        limiter.Release();
      },
      asio::detached);
  io_.run();
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(second->ok());
  EXPECT_EQ(second->error().http_status, 429);
  EXPECT_EQ(second->error().message,
            "targets[0] (p/m): concurrency limit reached (max_inflight 1, "
            "max_queue 5): timed "
            "out in the wait queue");
  EXPECT_EQ(limiter.queued(), 0);
  EXPECT_EQ(limiter.inflight(), 0);
}

TEST_F(LimiterTest, CrossThreadHandOff) {
  // Two event loops on two threads share one limiter of 3 slots.
  ConcurrencyLimiter limiter(3, 1000);
  std::atomic<int> inside{0}, peak{0}, done{0};
  auto worker = [&](asio::io_context& io) {
    for (int i = 0; i < 50; ++i) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            auto s = co_await limiter.Acquire(Clock::now() + 10s, "t");
            EXPECT_TRUE(s.ok());
            int now = ++inside;
            int p = peak.load();
            while (now > p && !peak.compare_exchange_weak(p, now)) {
            }
            asio::steady_timer t(co_await asio::this_coro::executor, 1ms);
            co_await t.async_wait(asio::use_awaitable);
            --inside;
            limiter.Release();
            ++done;
          },
          asio::detached);
    }
    io.run();
  };
  asio::io_context io2;
  std::thread other([&] { worker(io2); });
  worker(io_);
  other.join();
  EXPECT_EQ(done.load(), 100);
  EXPECT_LE(peak.load(), 3);
  EXPECT_EQ(limiter.inflight(), 0);
}

}  // namespace
}  // namespace across::routing
