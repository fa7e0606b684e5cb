#include "gateway/routing/peak_ewma.h"

#include <algorithm>
#include <cmath>

namespace across::routing {
namespace {

double Nanos(Clock::duration d) {
  return std::chrono::duration<double, std::nano>(d).count();
}

int64_t NanosSinceEpoch(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

void PeakEwma::Observe(Clock::duration rtt, Clock::time_point now) {
  const double sample = Nanos(rtt);
  const int64_t now_ns = NanosSinceEpoch(now);
  const int64_t last_ns = last_ns_.exchange(now_ns, std::memory_order_relaxed);
  const double elapsed =
      std::max<double>(0, static_cast<double>(now_ns - last_ns));
  const double w = std::exp(-elapsed / tau_ns_);
  double current = estimate_.load(std::memory_order_relaxed);
  double next;
  do {
    // A slower sample is taken at once (the peak); faster ones decay in.
    next = (current == 0 || sample > current) ? sample
                                              : current * w + sample * (1 - w);
  } while (!estimate_.compare_exchange_weak(current, next,
                                            std::memory_order_relaxed));
}

void PeakEwma::ObserveFailure(Clock::duration rtt, Clock::time_point now) {
  const double sample = Nanos(rtt);
  last_ns_.store(NanosSinceEpoch(now), std::memory_order_relaxed);
  double current = estimate_.load(std::memory_order_relaxed);
  while (sample > current && !estimate_.compare_exchange_weak(
                                 current, sample, std::memory_order_relaxed)) {
  }
}

double PeakEwma::Cost(int inflight) const {
  constexpr double kUnobservedNs = 1e6;  // 1ms: cheap, but not free
  const double e = estimate_ns();
  return (e > 0 ? e : kUnobservedNs) * static_cast<double>(inflight + 1);
}

}  // namespace across::routing
