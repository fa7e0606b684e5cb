// Peak-EWMA latency estimate of one target (Finagle / Linkerd): jumps up to a
// slower observation at once, decays toward faster ones with a time constant.
// The load balancer's cost is estimate × (in-flight + 1), so a target that is
// slow or busy looks expensive immediately.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "gateway/common/request_context.h"

namespace across::routing {

class PeakEwma {
 public:
  explicit PeakEwma(std::chrono::milliseconds decay = std::chrono::seconds(10))
      : tau_ns_(std::chrono::duration<double, std::nano>(decay).count()) {}

  void Observe(Clock::duration rtt, Clock::time_point now);
  // A failed attempt: never makes the target look faster than it was.
  void ObserveFailure(Clock::duration rtt, Clock::time_point now);

  // Current estimate in nanoseconds; 0 until the first observation.
  double estimate_ns() const {
    return estimate_.load(std::memory_order_relaxed);
  }
  // Cost for picking: estimate × (inflight + 1). Unobserved targets get a
  // small positive cost so they are tried without being flooded.
  double Cost(int inflight) const;

 private:
  // Lock-free: concurrent updates may each decay from a slightly stale
  // timestamp; the estimate stays approximate, which is all picking needs.
  const double tau_ns_;
  std::atomic<double> estimate_{0};
  std::atomic<int64_t> last_ns_{0};
};

}  // namespace across::routing
