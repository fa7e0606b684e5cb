#include "gateway/routing/sliding_window.h"

#include <algorithm>

namespace across::routing {

SlidingWindow::SlidingWindow(std::chrono::milliseconds window, int buckets)
    : width_ns_(std::max<int64_t>(
          1, std::chrono::nanoseconds(window).count() / std::max(1, buckets))),
      buckets_(std::max(1, buckets)),
      ring_(new Bucket[buckets_]) {}

int64_t SlidingWindow::EpochOf(Clock::time_point t) const {
  return std::chrono::nanoseconds(t.time_since_epoch()).count() / width_ns_;
}

void SlidingWindow::Add(Clock::time_point now, int64_t a, int64_t b) {
  const int64_t epoch = EpochOf(now);
  Bucket& bucket = ring_[epoch % buckets_];
  int64_t seen = bucket.epoch.load(std::memory_order_acquire);
  if (seen != epoch && seen < epoch &&
      bucket.epoch.compare_exchange_strong(seen, epoch)) {
    // This thread recycles the bucket for the new epoch.
    bucket.a.store(0, std::memory_order_relaxed);
    bucket.b.store(0, std::memory_order_relaxed);
  }
  if (a != 0) bucket.a.fetch_add(a, std::memory_order_relaxed);
  if (b != 0) bucket.b.fetch_add(b, std::memory_order_relaxed);
}

SlidingWindow::Sums SlidingWindow::Sum(Clock::time_point now) const {
  const int64_t epoch = EpochOf(now);
  Sums sums;
  for (int i = 0; i < buckets_; ++i) {
    const Bucket& bucket = ring_[i];
    const int64_t e = bucket.epoch.load(std::memory_order_acquire);
    if (e < 0 || e > epoch || epoch - e >= buckets_) continue;
    sums.a += bucket.a.load(std::memory_order_relaxed);
    sums.b += bucket.b.load(std::memory_order_relaxed);
  }
  return sums;
}

void SlidingWindow::Reset() {
  for (int i = 0; i < buckets_; ++i) {
    ring_[i].epoch.store(-1, std::memory_order_release);
    ring_[i].a.store(0, std::memory_order_relaxed);
    ring_[i].b.store(0, std::memory_order_relaxed);
  }
}

}  // namespace across::routing
