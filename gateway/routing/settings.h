// Effective per-target settings after inheritance (route_compiler.cc fills
// them from the config; defaults are documented in route.proto).
#pragma once

#include <chrono>

#include "gateway/routing/status_set.h"

namespace across::routing {

using std::chrono::milliseconds;

struct RetryPolicy {
  int attempts = 0;  // retries after the first try, 0-5
  StatusSet on_status = StatusSet::DefaultRetry();
  milliseconds backoff_base{100};
  milliseconds backoff_cap{10000};
  bool honor_retry_after = true;
  milliseconds max_retry_after{60000};
  double budget_ratio = 0.2;
  int budget_min_retries = 10;
  milliseconds budget_window{10000};
};

struct Timeouts {
  milliseconds request{0};  // per attempt; 0 = none
  milliseconds connect{0};
  milliseconds first_token{0};
  milliseconds stream_idle{0};
};

struct BreakerPolicy {
  int consecutive_failures = 0;  // 0 = off
  double error_rate = 0;         // 0 = off
  int min_requests = 20;
  milliseconds window{10000};
  milliseconds cooldown{30000};
  int half_open_probes = 1;
  bool enabled() const { return consecutive_failures > 0 || error_rate > 0; }
};

struct LimitPolicy {
  int max_inflight = 0;  // 0 = unlimited
  int max_queue = 0;
  milliseconds queue_timeout{0};  // 0 = until the request deadline
};

}  // namespace across::routing
