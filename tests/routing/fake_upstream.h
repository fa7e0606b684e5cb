// A scripted stand-in for providers: each provider id has a queue of steps
// (delay, status, Retry-After, streamed chunks); calls are recorded with
// their time. No network.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/routing/routing.h"

namespace across::routing::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::milliseconds;

struct Step {
  int status = 200;
  milliseconds delay{0};
  std::optional<milliseconds> retry_after;
  int chunks = 0;  // streamed chunks written before the status is returned
  milliseconds chunk_gap{0};
};

struct Call {
  std::string provider;
  std::string path;
  std::string model;
  int retry = 0;
  Clock::time_point at;
};

class FakeUpstream {
 public:
  // Steps are consumed in order; when none are left, `otherwise` applies.
  void Script(const std::string& provider, std::vector<Step> steps,
              Step otherwise = {}) {
    std::lock_guard lock(mu_);
    scripts_[provider] = {std::deque<Step>(steps.begin(), steps.end()),
                          otherwise};
  }

  asio::awaitable<Status> Attempt(const Target& t, AttemptInfo& a) {
    Step step = Next(t.provider);
    {
      std::lock_guard lock(mu_);
      calls_.push_back({t.provider, t.path, std::string(a.upstream_model()),
                        a.retry(), Clock::now()});
    }
    asio::steady_timer timer(co_await asio::this_coro::executor);
    if (step.delay.count() > 0) {
      timer.expires_after(step.delay);
      auto [ec] =
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return Error::FromHttpStatus(499, t.provider + ": cancelled");
    }
    for (int i = 0; i < step.chunks; ++i) {
      if (i > 0 && step.chunk_gap.count() > 0) {
        timer.expires_after(step.chunk_gap);
        auto [ec] =
            co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec)
          co_return Error::FromHttpStatus(499, t.provider + ": cancelled");
      }
      a.OnChunk();
    }
    if (step.status == 200) co_return Ok{};
    Error e =
        Error::FromHttpStatus(step.status, t.provider + ": upstream said " +
                                               std::to_string(step.status));
    e.retry_after = step.retry_after;
    co_return e;
  }

  AttemptFn Fn() {
    return [this](const Target& t, AttemptInfo& a) { return Attempt(t, a); };
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int CountFor(const std::string& provider) const {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& c : calls_) n += c.provider == provider;
    return n;
  }
  void ClearCalls() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

 private:
  Step Next(const std::string& provider) {
    std::lock_guard lock(mu_);
    auto& s = scripts_[provider];
    if (s.first.empty()) return s.second;
    Step step = s.first.front();
    s.first.pop_front();
    return step;
  }

  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::deque<Step>, Step>> scripts_;
  std::vector<Call> calls_;
};

// Runs one coroutine to completion on a fresh io_context.
// (use_future needs a default-constructible T; Result<T> is not.)
template <typename T>
T RunSync(asio::awaitable<T> op) {
  asio::io_context io;
  std::optional<T> out;
  auto done = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); },
      asio::use_future);
  io.run();
  done.get();
  return std::move(*out);
}

inline std::shared_ptr<const Route> MustCompile(
    const std::string& yaml, const CompileOptions& options = {}) {
  auto config = ParseRouteConfig(yaml, "test.yaml");
  if (!config.ok()) throw std::runtime_error(config.error().message);
  auto route = CompileRoute(*config, options);
  if (!route.ok()) throw std::runtime_error(route.error().message);
  return *route;
}

}  // namespace across::routing::testing
