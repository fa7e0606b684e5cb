#include "gateway/common/request_context.h"

#include <random>

#include <boost/algorithm/string/predicate.hpp>

namespace across {

void RoutingHeaders::Accept(std::string_view name, std::string_view value) {
  if (boost::algorithm::iequals(name, kProviderHeader)) {
    provider = std::string(value);
  } else if (boost::algorithm::iequals(name, kConfigHeader)) {
    config = std::string(value);
  } else if (boost::algorithm::iequals(name, kTraceIdHeader)) {
    trace_id = std::string(value);
  } else if (boost::algorithm::iequals(name, "authorization")) {
    authorization = std::string(value);
  }
}

Clock::duration RequestContext::Remaining() const {
  auto now = Clock::now();
  return deadline > now ? deadline - now : Clock::duration::zero();
}

std::string NewTraceId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t bits = rng();
    for (int i = 0; i < 16; ++i) id[half * 16 + i] = kHex[(bits >> (i * 4)) & 0xf];
  }
  return id;
}

}  // namespace across
