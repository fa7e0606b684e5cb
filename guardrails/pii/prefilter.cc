#include "guardrails/pii/prefilter.h"

#include <algorithm>
#include <array>

namespace across::guardrails::pii {
namespace {

// How far a match can reach around its first trigger byte. Numbers: an IBAN
// has two letters before its first digit and an IPv6 group four hex letters
// before its first ':'; the longest numeric kind (IPv6) is 45 bytes. Email:
// local part <= 64 before '@', address <= 254. Literal prefixes start the
// match; forward reach is the kind's maximum length.
struct Reach {
  size_t back;
  size_t forward;
};
constexpr Reach kNumeric{8, 64};
constexpr Reach kAt{66, 256};
constexpr Reach kSkKey{0, 513};
constexpr Reach kAws{0, 21};
constexpr Reach kJwt{0, 8193};
constexpr Reach kPem{0, 16385};

enum Trigger : unsigned char {
  kNone = 0,
  kDigitOrColon,
  kAtSign,
  kMaybeSk,   // 'k' of "sk-"
  kMaybeAws,  // second letter of AKIA / ASIA / ABIA / ACCA
  kMaybeJwt,  // 'y' of "eyJ"
  kMaybePem,  // '-' of "-----BEGIN"
};

constexpr std::array<unsigned char, 256> MakeTable() {
  std::array<unsigned char, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigitOrColon;
  t[':'] = kDigitOrColon;
  t['@'] = kAtSign;
  t['k'] = kMaybeSk;
  t['K'] = t['S'] = t['B'] = t['C'] = kMaybeAws;
  t['y'] = kMaybeJwt;
  t['-'] = kMaybePem;
  return t;
}
constexpr std::array<unsigned char, 256> kTable = MakeTable();

bool AnyOf(const PiiKindSet& kinds, std::initializer_list<PiiKind> list) {
  for (PiiKind k : list) {
    if (Has(kinds, k)) return true;
  }
  return false;
}

}  // namespace

void FindRegions(std::string_view text, const PiiKindSet& kinds,
                 std::vector<Region>* regions) {
  regions->clear();
  const size_t n = text.size();
  const bool digits =
      AnyOf(kinds, {PiiKind::kPhone, PiiKind::kCreditCard, PiiKind::kUsSsn,
                    PiiKind::kIban, PiiKind::kIpv4, PiiKind::kIpv6});
  const bool email = Has(kinds, PiiKind::kEmail);
  const bool sk = AnyOf(kinds, {PiiKind::kOpenAiKey, PiiKind::kAnthropicKey});
  const bool aws = Has(kinds, PiiKind::kAwsAccessKey);
  const bool jwt = Has(kinds, PiiKind::kJwt);
  const bool pem = Has(kinds, PiiKind::kPrivateKey);

  auto add = [&](size_t at, Reach reach) {
    size_t begin = at > reach.back ? at - reach.back : 0;
    size_t end = std::min(n, at + reach.forward);
    // Triggers arrive in order but reach back by different amounts, so a
    // new region can swallow earlier ones.
    while (!regions->empty() && begin <= regions->back().end) {
      begin = std::min(begin, regions->back().begin);
      end = std::max(end, regions->back().end);
      regions->pop_back();
    }
    regions->push_back({begin, end});
  };

  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char kind = kTable[s[i]];
    if (kind == kNone) continue;
    switch (kind) {
      case kDigitOrColon:
        if (digits) add(i, kNumeric);
        break;
      case kAtSign:
        if (email) add(i, kAt);
        break;
      case kMaybeSk:
        if (sk && i > 0 && i + 1 < n && s[i - 1] == 's' && s[i + 1] == '-') {
          add(i - 1, kSkKey);
        }
        break;
      case kMaybeAws:
        if (aws && i > 0 && i + 2 < n && s[i - 1] == 'A') {
          const std::string_view four = text.substr(i - 1, 4);
          if (four == "AKIA" || four == "ASIA" || four == "ABIA" ||
              four == "ACCA") {
            add(i - 1, kAws);
          }
        }
        break;
      case kMaybeJwt:
        if (jwt && i > 0 && i + 1 < n && s[i - 1] == 'e' && s[i + 1] == 'J') {
          add(i - 1, kJwt);
        }
        break;
      case kMaybePem:
        if (pem && text.substr(i, 10) == "-----BEGIN") add(i, kPem);
        break;
    }
  }
}

}  // namespace across::guardrails::pii
