#include "gateway/routing/concurrency_limiter.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "gateway/routing/retry_policy.h"

namespace across::routing {

ConcurrencyLimiter::ConcurrencyLimiter(int max_inflight, int max_queue)
    : max_inflight_(std::max(0, max_inflight)),
      max_queue_(std::max(0, max_queue)) {}

int ConcurrencyLimiter::queued() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(waiters_.size());
}

Error ConcurrencyLimiter::Overflow(const std::string& what,
                                   std::string_view why) const {
  Error e = Error::FromHttpStatus(
      429, what + ": concurrency limit reached (max_inflight " +
               std::to_string(max_inflight_) + ", max_queue " +
               std::to_string(max_queue_) + "): " + std::string(why));
  e.code = std::string(kConcurrencyLimitCode);
  return e;
}

bool ConcurrencyLimiter::TryAcquire() {
  if (max_inflight_ == 0) {
    inflight_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  std::lock_guard lock(mu_);
  // Never overtake waiters: a free slot with waiters is already theirs.
  if (!waiters_.empty() ||
      inflight_.load(std::memory_order_relaxed) >= max_inflight_) {
    return false;
  }
  inflight_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

asio::awaitable<Status> ConcurrencyLimiter::Acquire(
    Clock::time_point wait_deadline, const std::string& what) {
  if (max_inflight_ == 0) {
    inflight_.fetch_add(1, std::memory_order_relaxed);
    co_return Ok{};
  }
  const auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty() &&
        inflight_.load(std::memory_order_relaxed) < max_inflight_) {
      inflight_.fetch_add(1, std::memory_order_relaxed);
      co_return Ok{};
    }
    if (static_cast<int>(waiters_.size()) >= max_queue_) {
      co_return Overflow(what, "wait queue full");
    }
    waiter = std::make_shared<Waiter>(executor);
    waiter->timer.expires_at(wait_deadline);
    waiters_.push_back(waiter);
  }
  auto [ec] =
      co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  std::lock_guard lock(mu_);
  if (waiter->granted) co_return Ok{};  // the slot was handed over
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
  if (ec == asio::error::operation_aborted) {
    co_return Error::FromHttpStatus(499,
                                    what + ": request cancelled while queued");
  }
  co_return Overflow(what, "timed out in the wait queue");
}

void ConcurrencyLimiter::Release() {
  if (max_inflight_ == 0) {
    inflight_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  std::shared_ptr<Waiter> next;
  {
    std::lock_guard lock(mu_);
    if (waiters_.empty()) {
      inflight_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    // The slot passes to the first waiter; inflight stays the same.
    next = std::move(waiters_.front());
    waiters_.pop_front();
    next->granted = true;
  }
  // Timers are not thread-safe: wake the waiter on its own executor.
  auto ex = next->timer.get_executor();
  asio::post(ex, [next = std::move(next)] { next->timer.cancel(); });
}

}  // namespace across::routing
