#include "gateway/common/request_context.h"

#include <random>

#include "gateway/common/ascii.h"

namespace across {

// Portkey's x-portkey-* headers are accepted as aliases so that a Portkey
// user switches by changing the base URL only; ours win when both are sent.
void RoutingHeaders::Accept(std::string_view name, std::string_view value) {
  if (name.size() < 13 || (name[0] != 'x' && name[0] != 'X' && name[0] != 'a' &&
                           name[0] != 'A')) {
    return;  // shorter than any name below: skip the comparisons
  }
  if (EqualsIgnoreCase(name, kProviderHeader)) {
    provider = std::string(value);
  } else if (EqualsIgnoreCase(name, kConfigHeader)) {
    config = std::string(value);
    portkey_config = false;
  } else if (EqualsIgnoreCase(name, kTraceIdHeader)) {
    trace_id = std::string(value);
  } else if (EqualsIgnoreCase(name, kMetadataHeader)) {
    metadata = std::string(value);
  } else if (EqualsIgnoreCase(name, "x-across-guardrails")) {
    guardrails = std::string(value);
  } else if (EqualsIgnoreCase(name, "authorization")) {
    authorization = std::string(value);
  } else if (EqualsIgnoreCase(name, "x-portkey-provider")) {
    if (provider.empty()) provider = std::string(value);
  } else if (EqualsIgnoreCase(name, "x-portkey-config")) {
    if (config.empty()) {
      config = std::string(value);
      portkey_config = true;
    }
  } else if (EqualsIgnoreCase(name, "x-portkey-trace-id")) {
    if (trace_id.empty()) trace_id = std::string(value);
  } else if (EqualsIgnoreCase(name, "x-portkey-metadata")) {
    if (metadata.empty()) metadata = std::string(value);
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
