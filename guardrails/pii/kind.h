// The kinds of personal data and secrets the PII detector knows.
#pragma once

#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace across::guardrails::pii {

enum class PiiKind : uint8_t {
  kEmail,
  kPhone,
  kCreditCard,
  kUsSsn,
  kIban,
  kIpv4,
  kIpv6,
  kOpenAiKey,
  kAnthropicKey,
  kAwsAccessKey,
  kJwt,
  kPrivateKey,
};
inline constexpr size_t kPiiKindCount = 12;

using PiiKindSet = std::bitset<kPiiKindCount>;

// Config name: "email", "credit_card", "aws_access_key", ...
std::string_view PiiKindName(PiiKind kind);

// Placeholder label: "EMAIL", "CREDIT_CARD", ... ("[EMAIL_1]").
std::string_view PiiKindLabel(PiiKind kind);

// A kind name, or a group: "all", "secrets" (the five secret kinds),
// "network" (ipv4 + ipv6). nullopt for an unknown name.
std::optional<PiiKindSet> ParsePiiKinds(std::string_view name);

PiiKindSet AllPiiKinds();

inline bool Has(const PiiKindSet& set, PiiKind kind) {
  return set.test(static_cast<size_t>(kind));
}

}  // namespace across::guardrails::pii
