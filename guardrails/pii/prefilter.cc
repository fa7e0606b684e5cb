#include "guardrails/pii/prefilter.h"

#include <algorithm>
#include <array>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace across::guardrails::pii {
namespace {

// How far a match can reach around the trigger byte that opens its region.
struct Reach {
  size_t back;
  size_t forward;
};
// Numbers (phone, card, SSN, IBAN, IPv4): triggered by a "dense" digit, one
// with at least 4 digits among it and the next 11 bytes. Every match of
// these kinds has one within its first 10 bytes (worst cases: "GB82 WEST
// 1234" -> the '8'; "+1 (2) 3 4" -> the '1'), and ends at most 42 bytes
// after it (IBAN). Plain prose numbers ("12", "v2.4") open no region.
constexpr size_t kDenseWindow = 12;
constexpr size_t kDenseDigits = 4;
constexpr Reach kNumeric{16, 48};
// IPv6: its first ':' is within 5 bytes of its start; at most 45 long.
constexpr Reach kColon{8, 48};
// Email: local part <= 64 bytes before '@', address <= 254.
constexpr Reach kAt{66, 256};
// Literal prefixes start the match; forward reach is the kind's maximum.
constexpr Reach kSkKey{0, 513};
constexpr Reach kAws{0, 21};
constexpr Reach kJwt{0, 8193};
constexpr Reach kPem{0, 16385};

// Bytes worth a closer look: digits, ':', '@', '-' (of "sk-" and
// "-----BEGIN"), 'A' (of AKIA/ASIA/ABIA/ACCA) and 'J' (of "eyJ"). All are
// rare in prose except digits.
constexpr std::array<bool, 256> MakeInteresting() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= ':'; ++c) t[c] = true;
  t['@'] = t['-'] = t['A'] = t['J'] = true;
  return t;
}
constexpr std::array<bool, 256> kInteresting = MakeInteresting();

bool AnyOf(const PiiKindSet& kinds, std::initializer_list<PiiKind> list) {
  for (PiiKind k : list) {
    if (Has(kinds, k)) return true;
  }
  return false;
}

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

class RegionBuilder {
 public:
  RegionBuilder(std::string_view text, const PiiKindSet& kinds,
                std::vector<Region>* regions)
      : s_(reinterpret_cast<const unsigned char*>(text.data())),
        n_(text.size()),
        text_(text),
        regions_(regions),
        numbers_(
            AnyOf(kinds, {PiiKind::kPhone, PiiKind::kCreditCard,
                          PiiKind::kUsSsn, PiiKind::kIban, PiiKind::kIpv4})),
        ipv6_(Has(kinds, PiiKind::kIpv6)),
        email_(Has(kinds, PiiKind::kEmail)),
        sk_(AnyOf(kinds, {PiiKind::kOpenAiKey, PiiKind::kAnthropicKey})),
        aws_(Has(kinds, PiiKind::kAwsAccessKey)),
        jwt_(Has(kinds, PiiKind::kJwt)),
        pem_(Has(kinds, PiiKind::kPrivateKey)) {}

  // Looks at an interesting byte.
  void Visit(size_t i) {
    const unsigned char c = s_[i];
    if (IsDigit(c)) {
      if (numbers_ && Dense(i)) Add(i, kNumeric);
      return;
    }
    switch (c) {
      case ':':
        if (ipv6_) Add(i, kColon);
        break;
      case '@':
        if (email_) Add(i, kAt);
        break;
      case '-':
        if (sk_ && i >= 2 && s_[i - 2] == 's' && s_[i - 1] == 'k') {
          Add(i - 2, kSkKey);
        }
        if (pem_ && text_.substr(i, 10) == "-----BEGIN") Add(i, kPem);
        break;
      case 'A':
        if (aws_ && i + 4 <= n_) {
          const std::string_view four = text_.substr(i, 4);
          if (four == "AKIA" || four == "ASIA" || four == "ABIA" ||
              four == "ACCA") {
            Add(i, kAws);
          }
        }
        break;
      case 'J':
        if (jwt_ && i >= 2 && s_[i - 2] == 'e' && s_[i - 1] == 'y') {
          Add(i - 2, kJwt);
        }
        break;
    }
  }

 private:
  bool Dense(size_t i) const {
    const size_t end = std::min(n_, i + kDenseWindow);
    size_t digits = 0;
    for (size_t j = i; j < end; ++j) digits += IsDigit(s_[j]);
    return digits >= kDenseDigits;
  }

  void Add(size_t at, Reach reach) {
    size_t begin = at > reach.back ? at - reach.back : 0;
    size_t end = std::min(n_, at + reach.forward);
    // Triggers arrive in order but reach back by different amounts, so a
    // new region can swallow earlier ones.
    while (!regions_->empty() && begin <= regions_->back().end) {
      begin = std::min(begin, regions_->back().begin);
      end = std::max(end, regions_->back().end);
      regions_->pop_back();
    }
    regions_->push_back({begin, end});
  }

  const unsigned char* s_;
  size_t n_;
  std::string_view text_;
  std::vector<Region>* regions_;
  bool numbers_, ipv6_, email_, sk_, aws_, jwt_, pem_;
};

}  // namespace

void FindRegions(std::string_view text, const PiiKindSet& kinds,
                 std::vector<Region>* regions) {
  regions->clear();
  RegionBuilder builder(text, kinds, regions);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
#ifdef __SSE2__
  // 16 bytes at a time: most blocks of prose hold no interesting byte.
  const __m128i zero = _mm_set1_epi8('0');
  const __m128i colon = _mm_set1_epi8(':');
  const __m128i at = _mm_set1_epi8('@');
  const __m128i dash = _mm_set1_epi8('-');
  const __m128i upper_a = _mm_set1_epi8('A');
  const __m128i upper_j = _mm_set1_epi8('J');
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
    // '0' <= v <= ':' as unsigned bytes.
    const __m128i digit_or_colon =
        _mm_cmpeq_epi8(_mm_min_epu8(_mm_max_epu8(v, zero), colon), v);
    const __m128i other = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(v, at), _mm_cmpeq_epi8(v, dash)),
        _mm_or_si128(_mm_cmpeq_epi8(v, upper_a), _mm_cmpeq_epi8(v, upper_j)));
    unsigned mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(digit_or_colon, other)));
    while (mask != 0) {
      builder.Visit(i + static_cast<size_t>(__builtin_ctz(mask)));
      mask &= mask - 1;
    }
  }
#endif
  for (; i < n; ++i) {
    if (kInteresting[s[i]]) builder.Visit(i);
  }
}

}  // namespace across::guardrails::pii
