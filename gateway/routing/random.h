// Per-thread random numbers for load balancing and backoff jitter. One
// generator per worker thread: no locks, no shared cache line.
#pragma once

#include <cstdint>

namespace across::routing {

// Uniform in [0, 1).
double RandomUnit();
// Uniform in [0, n); n > 0.
uint64_t RandomBelow(uint64_t n);

}  // namespace across::routing
