// Per-target concurrency limit with a bounded wait queue. Requests beyond
// max_inflight wait (FIFO) for a slot; beyond max_queue waiters, or after
// the queue timeout, they are refused with 429 RESOURCE_EXHAUSTED instead of
// queueing forever.
//
// Waiters sit on different worker threads (one io_context each): a released
// slot is handed to the first waiter under the mutex and the waiter's timer
// is cancelled on its own executor. Unlimited targets never take the mutex;
// they only count in-flight attempts (for least_inflight / latency picks).
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"

namespace across::routing {

namespace asio = boost::asio;

class ConcurrencyLimiter {
 public:
  // max_inflight 0 = unlimited.
  ConcurrencyLimiter(int max_inflight, int max_queue);

  // Takes a slot if one is free right now (no waiting, no coroutine): the
  // happy path. False means call Acquire.
  bool TryAcquire();

  // Takes a slot, waiting until `wait_deadline` at most. Errors: 429 with
  // code "concurrency_limit" (queue full or wait timed out), 499 when the
  // request was cancelled while waiting. `what` names the target in errors.
  asio::awaitable<Status> Acquire(Clock::time_point wait_deadline,
                                  const std::string& what);
  // Returns a slot taken by Acquire.
  void Release();

  int inflight() const { return inflight_.load(std::memory_order_relaxed); }
  int queued() const;
  int max_inflight() const { return max_inflight_; }

 private:
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    bool granted = false;  // guarded by mu_
  };

  Error Overflow(const std::string& what, std::string_view why) const;

  const int max_inflight_;
  const int max_queue_;
  std::atomic<int> inflight_{0};
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

}  // namespace across::routing
