// Process-wide serving state shared by both front ends and the health
// endpoints: readiness flips to false when draining starts.
#pragma once

#include <atomic>

namespace across {

struct ServingState {
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  // HTTP requests being handled (gRPC tracks its own in Server::Shutdown).
  std::atomic<long> http_inflight{0};
};

}  // namespace across
