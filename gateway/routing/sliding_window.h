// Two counters summed over a sliding time window, lock-free: the window is
// split into buckets that are recycled as time moves on. Used by the breaker
// (successes/failures) and the retry budget (requests/retries).
//
// Concurrent updates racing with a bucket's recycling may lose a count;
// both users only need approximate rates, so that is accepted for a happy
// path without locks.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "gateway/common/request_context.h"

namespace across::routing {

class SlidingWindow {
 public:
  struct Sums {
    int64_t a = 0;
    int64_t b = 0;
  };

  explicit SlidingWindow(std::chrono::milliseconds window, int buckets = 10);

  void Add(Clock::time_point now, int64_t a, int64_t b);
  Sums Sum(Clock::time_point now) const;
  // Forgets everything (breaker closing).
  void Reset();

 private:
  struct Bucket {
    std::atomic<int64_t> epoch{-1};
    std::atomic<int64_t> a{0};
    std::atomic<int64_t> b{0};
  };
  int64_t EpochOf(Clock::time_point t) const;

  int64_t width_ns_;
  int buckets_;
  std::unique_ptr<Bucket[]> ring_;
};

}  // namespace across::routing
