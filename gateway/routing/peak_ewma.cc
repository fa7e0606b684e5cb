#include "gateway/routing/peak_ewma.h"

#include <algorithm>
#include <cmath>

namespace across::routing {

void PeakEwma::Observe(Clock::duration rtt, Clock::time_point now) {
  const double sample = std::chrono::duration<double, std::nano>(rtt).count();
  std::lock_guard lock(mu_);
  const double current = estimate_.load(std::memory_order_relaxed);
  double next;
  if (current == 0 || sample > current) {
    next = sample;  // the peak: react to slowness at once
  } else {
    const double elapsed =
        std::max(0.0, std::chrono::duration<double, std::nano>(now - last_).count());
    const double w = std::exp(-elapsed / tau_ns_);
    next = current * w + sample * (1 - w);
  }
  last_ = now;
  estimate_.store(next, std::memory_order_relaxed);
}

void PeakEwma::ObserveFailure(Clock::duration rtt, Clock::time_point now) {
  const double sample = std::chrono::duration<double, std::nano>(rtt).count();
  std::lock_guard lock(mu_);
  const double current = estimate_.load(std::memory_order_relaxed);
  if (sample > current) estimate_.store(sample, std::memory_order_relaxed);
  last_ = now;
}

double PeakEwma::Cost(int inflight) const {
  constexpr double kUnobservedNs = 1e6;  // 1ms: cheap, but not free
  const double e = estimate_ns();
  return (e > 0 ? e : kUnobservedNs) * static_cast<double>(inflight + 1);
}

}  // namespace across::routing
