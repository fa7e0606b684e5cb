#include "gateway/routing/random.h"

#include <random>

namespace across::routing {
namespace {

std::mt19937_64& Generator() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

}  // namespace

double RandomUnit() {
  return std::uniform_real_distribution<double>(0.0, 1.0)(Generator());
}

uint64_t RandomBelow(uint64_t n) {
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(Generator());
}

}  // namespace across::routing
