#include "guardrails/pii/patterns.h"

#include "guardrails/pii/validators.h"

namespace across::guardrails::pii {
namespace {

// ByteSet from a list of characters and "a-z" ranges.
constexpr ByteSet Bytes(std::string_view spec) {
  ByteSet set{};
  for (size_t i = 0; i < spec.size(); ++i) {
    if (i + 2 < spec.size() && spec[i + 1] == '-') {
      for (int c = static_cast<unsigned char>(spec[i]);
           c <= static_cast<unsigned char>(spec[i + 2]); ++c) {
        set[c] = true;
      }
      i += 2;
    } else {
      set[static_cast<unsigned char>(spec[i])] = true;
    }
  }
  return set;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }

char Before(std::string_view t, size_t i) { return i > 0 ? t[i - 1] : ' '; }
char At(std::string_view t, size_t i) { return i < t.size() ? t[i] : ' '; }

// A number glued to another with '-' or '.' ("12-415-555-2671") is part of
// something longer (an id, a version), not a standalone value.
bool JoinedNumberBefore(std::string_view t, size_t b) {
  const char c = Before(t, b);
  return (c == '-' || c == '.') && IsDigit(Before(t, b - 1));
}
bool JoinedNumberAfter(std::string_view t, size_t e) {
  const char c = At(t, e);
  return (c == '-' || c == '.') && IsDigit(At(t, e + 1));
}

std::optional<size_t> AcceptEmail(std::string_view t, size_t b, size_t e) {
  // Starting inside a longer run of address bytes (including UTF-8) would
  // cut a word or address in two.
  const char before = Before(t, b);
  if (IsAlnum(before) || static_cast<unsigned char>(before) >= 0x80 ||
      std::string_view("._%+-@").find(before) != std::string_view::npos) {
    return std::nullopt;
  }
  const char after = At(t, e);
  if (IsWord(after) || after == '-' || after == '@' ||
      static_cast<unsigned char>(after) >= 0x80) {
    return std::nullopt;
  }
  if (!EmailValid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptPhone(std::string_view t, size_t b, size_t e) {
  const char before = Before(t, b);
  if (IsWord(before) || before == '+' || JoinedNumberBefore(t, b)) {
    return std::nullopt;
  }
  if (IsWord(At(t, e)) || JoinedNumberAfter(t, e)) return std::nullopt;
  if (!PhoneValid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptCard(std::string_view t, size_t b, size_t e) {
  if (JoinedNumberBefore(t, b) || JoinedNumberAfter(t, e)) return std::nullopt;
  if (!CardNumberValid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptSsn(std::string_view t, size_t b, size_t e) {
  if (JoinedNumberBefore(t, b) || JoinedNumberAfter(t, e)) return std::nullopt;
  if (!UsSsnValid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptIban(std::string_view t, size_t b, size_t e) {
  // The greedy pattern may swallow a following all-caps word ("... 7034
  // ABCD"); retry without trailing space-separated groups.
  for (;;) {
    if (IbanValid(t.substr(b, e - b))) return e;
    const size_t space = t.substr(b, e - b).rfind(' ');
    if (space == std::string_view::npos || space < 15) return std::nullopt;
    e = b + space;
  }
}

std::optional<size_t> AcceptIpv4(std::string_view t, size_t b, size_t e) {
  if (Before(t, b) == '.' || JoinedNumberAfter(t, e)) return std::nullopt;
  if (!Ipv4Valid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptIpv6(std::string_view t, size_t b, size_t e) {
  const char before = Before(t, b);
  if (IsWord(before) || before == ':' || before == '.') return std::nullopt;
  const char after = At(t, e);
  if (IsWord(after) || after == ':' || JoinedNumberAfter(t, e)) {
    return std::nullopt;
  }
  if (!Ipv6Valid(t.substr(b, e - b))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptOpenAiKey(std::string_view t, size_t b, size_t e) {
  std::string_view key = t.substr(b, e - b);
  if (key.starts_with("sk-ant-")) return std::nullopt;  // Anthropic's
  key.remove_prefix(3);
  for (std::string_view scope : {"proj-", "svcacct-", "admin-"}) {
    if (key.starts_with(scope)) key.remove_prefix(scope.size());
  }
  if (!LooksRandom(key)) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptAnthropicKey(std::string_view t, size_t b,
                                         size_t e) {
  if (!LooksRandom(t.substr(b + 7, e - b - 7))) return std::nullopt;
  return e;
}

std::optional<size_t> AcceptAlways(std::string_view, size_t, size_t e) {
  return e;
}

constexpr std::string_view kBase64Url = "A-Za-z0-9_-";

const std::array<KindSpec, kPiiKindCount> kSpecs = {{
    // Bytes >= 0x80 admit UTF-8 local parts and domains (RFC 6531 / IDN,
    // "zoë@exemple.fr"); the top-level domain stays ASCII.
    {PiiKind::kEmail, 11,
     R"([A-Za-z0-9._%+\-\x80-\xff]+@[A-Za-z0-9\-\x80-\xff]+)"
     R"((?:\.[A-Za-z0-9\-\x80-\xff]+)*\.[A-Za-z]{2,})",
     254, AcceptEmail, Bytes("A-Za-z0-9._%+@\x80-\xff-")},
    // International (+CC ...), NANP ((415) 555-2671, 415-555-2671) and
    // trunk-0 national (020 7946 0958). A separator or '+' is required, so
    // plain digit runs (order numbers) never match.
    {PiiKind::kPhone, 8,
     R"(\+\d{1,3}(?:[ .\-]?\(\d{1,4}\))?(?:[ .\-]?\d{1,4}){2,6}\b)"
     R"(|(?:\b1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\b\d{3}[ .\-])\d{3}[ .\-]\d{4}\b)"
     R"(|(?:\b0\d{1,4}|\(0\d{1,4}\))[ .\-]?\d{3,4}[ .\-]?\d{3,4}\b)",
     40, AcceptPhone, Bytes("0-9 +().-")},
    {PiiKind::kCreditCard, 6,
     R"(\b(?:\d{13,19}|\d{4}(?:[ \-]\d{4}){2,3}(?:[ \-]\d{1,4})?)"
     R"(|\d{4}[ \-]\d{6}[ \-]\d{4,5})\b)",
     23, AcceptCard, Bytes("0-9 -")},
    {PiiKind::kUsSsn, 7, R"(\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b)", 11,
     AcceptSsn, Bytes("0-9 -")},
    {PiiKind::kIban, 5,
     R"(\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b)", 42,
     AcceptIban, Bytes("A-Z0-9 ")},
    {PiiKind::kIpv4, 10, R"(\b(?:\d{1,3}\.){3}\d{1,3}\b)", 15, AcceptIpv4,
     Bytes("0-9.")},
    // The IPv4-tailed form comes first so "::ffff:192.0.2.1" is not cut at
    // ":192".
    {PiiKind::kIpv6, 9,
     R"((?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){1,6}:(?:\d{1,3}\.){3}\d{1,3})"
     R"(|(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7})",
     45, AcceptIpv6, Bytes("0-9A-Fa-f:.")},
    {PiiKind::kOpenAiKey, 3, R"(\bsk-[A-Za-z0-9_\-]{20,})", 512,
     AcceptOpenAiKey, Bytes(kBase64Url)},
    {PiiKind::kAnthropicKey, 2, R"(\bsk-ant-[A-Za-z0-9_\-]{20,})", 512,
     AcceptAnthropicKey, Bytes(kBase64Url)},
    {PiiKind::kAwsAccessKey, 4, R"(\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b)",
     20, AcceptAlways, Bytes("A-Z0-9")},
    {PiiKind::kJwt, 1,
     R"(\beyJ[A-Za-z0-9_\-]{4,}\.eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)", 8192,
     AcceptAlways, Bytes("A-Za-z0-9_.-")},
    // (?s:.) is any byte in Latin-1 mode. The stream redactor special-cases
    // this kind (see StreamHoldBack) since its bytes are nearly everything.
    {PiiKind::kPrivateKey, 0,
     R"(-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----(?s:.)*?)"
     R"(-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----)",
     16384, AcceptAlways, Bytes("\x01-\xff")},
}};

}  // namespace

const KindSpec& SpecFor(PiiKind kind) {
  return kSpecs[static_cast<size_t>(kind)];
}

}  // namespace across::guardrails::pii
