#include "guardrails/pii/kind.h"

#include <array>

namespace across::guardrails::pii {
namespace {

struct KindNames {
  std::string_view name;
  std::string_view label;
};

constexpr std::array<KindNames, kPiiKindCount> kNames = {{
    {"email", "EMAIL"},
    {"phone", "PHONE"},
    {"credit_card", "CREDIT_CARD"},
    {"us_ssn", "US_SSN"},
    {"iban", "IBAN"},
    {"ipv4", "IPV4"},
    {"ipv6", "IPV6"},
    {"openai_key", "OPENAI_KEY"},
    {"anthropic_key", "ANTHROPIC_KEY"},
    {"aws_access_key", "AWS_ACCESS_KEY"},
    {"jwt", "JWT"},
    {"private_key", "PRIVATE_KEY"},
}};

}  // namespace

std::string_view PiiKindName(PiiKind kind) {
  return kNames[static_cast<size_t>(kind)].name;
}

std::string_view PiiKindLabel(PiiKind kind) {
  return kNames[static_cast<size_t>(kind)].label;
}

PiiKindSet AllPiiKinds() { return PiiKindSet().set(); }

std::optional<PiiKindSet> ParsePiiKinds(std::string_view name) {
  PiiKindSet set;
  if (name == "all") return AllPiiKinds();
  if (name == "secrets") {
    for (PiiKind k :
         {PiiKind::kOpenAiKey, PiiKind::kAnthropicKey, PiiKind::kAwsAccessKey,
          PiiKind::kJwt, PiiKind::kPrivateKey}) {
      set.set(static_cast<size_t>(k));
    }
    return set;
  }
  if (name == "network") {
    set.set(static_cast<size_t>(PiiKind::kIpv4));
    set.set(static_cast<size_t>(PiiKind::kIpv6));
    return set;
  }
  for (size_t i = 0; i < kPiiKindCount; ++i) {
    if (kNames[i].name == name) return set.set(i);
  }
  return std::nullopt;
}

}  // namespace across::guardrails::pii
