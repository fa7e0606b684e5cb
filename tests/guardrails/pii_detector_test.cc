#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "guardrails/pii/detector.h"
#include "guardrails/pii/kind.h"
#include "guardrails/pii/validators.h"

namespace across::guardrails::pii {
namespace {

// Kinds and matched substrings of Detect(text).
std::vector<std::pair<PiiKind, std::string>> Found(std::string_view text) {
  std::vector<std::pair<PiiKind, std::string>> out;
  for (const PiiMatch& m : PiiDetector::Default().Detect(text)) {
    out.emplace_back(m.kind,
                     std::string(text.substr(m.begin, m.end - m.begin)));
  }
  return out;
}

struct Positive {
  PiiKind kind;
  std::string text;   // sentence containing it
  std::string value;  // exactly what must be found
};

TEST(PiiDetector, Positives) {
  const std::vector<Positive> rows = {
      {PiiKind::kEmail, "Contact john.doe@example.com today.",
       "john.doe@example.com"},
      {PiiKind::kEmail, "mail: <Jane_O'x+tag@mail.example.co.uk>",
       "x+tag@mail.example.co.uk"},
      {PiiKind::kEmail, "a.b-c@sub-domain.example.org, thanks",
       "a.b-c@sub-domain.example.org"},
      {PiiKind::kPhone, "Call +1 (415) 555-2671 now", "+1 (415) 555-2671"},
      {PiiKind::kPhone, "London office: +44 20 7946 0958.", "+44 20 7946 0958"},
      {PiiKind::kPhone, "cell 415-555-2671", "415-555-2671"},
      {PiiKind::kPhone, "cell (415) 555-2671", "(415) 555-2671"},
      {PiiKind::kPhone, "cell 415.555.2671", "415.555.2671"},
      {PiiKind::kPhone, "E.164 +14155552671 works", "+14155552671"},
      {PiiKind::kPhone, "Paris +33 1 23 45 67 89", "+33 1 23 45 67 89"},
      {PiiKind::kPhone, "Berlin +49 30 1234567", "+49 30 1234567"},
      {PiiKind::kPhone, "UK landline 020 7946 0958 ok", "020 7946 0958"},
      {PiiKind::kPhone, "toll 1-800-555-0199", "1-800-555-0199"},
      {PiiKind::kCreditCard, "Visa 4111 1111 1111 1111 exp 12/29",
       "4111 1111 1111 1111"},
      {PiiKind::kCreditCard, "card=4111111111111111;", "4111111111111111"},
      {PiiKind::kCreditCard, "MC 5500-0055-5555-5559", "5500-0055-5555-5559"},
      {PiiKind::kCreditCard, "Amex 3782 822463 10005", "3782 822463 10005"},
      {PiiKind::kCreditCard, "Amex 378282246310005.", "378282246310005"},
      {PiiKind::kCreditCard, "Discover 6011 1111 1111 1117",
       "6011 1111 1111 1117"},
      {PiiKind::kCreditCard, "JCB 3530111333300000", "3530111333300000"},
      {PiiKind::kUsSsn, "SSN 078-05-1120 on file", "078-05-1120"},
      {PiiKind::kUsSsn, "ssn: 219 09 9999", "219 09 9999"},
      {PiiKind::kIban, "IBAN GB82WEST12345698765432 please",
       "GB82WEST12345698765432"},
      {PiiKind::kIban, "IBAN GB82 WEST 1234 5698 7654 32.",
       "GB82 WEST 1234 5698 7654 32"},
      {PiiKind::kIban, "DE89 3704 0044 0532 0130 00",
       "DE89 3704 0044 0532 0130 00"},
      {PiiKind::kIban, "FR14 2004 1010 0505 0001 3M02 606 ABCD",
       "FR14 2004 1010 0505 0001 3M02 606"},
      {PiiKind::kIban, "NL91ABNA0417164300", "NL91ABNA0417164300"},
      // The pattern also takes the all-caps word; validation drops it.
      {PiiKind::kIban, "BE68 5390 0754 7034 ABCD", "BE68 5390 0754 7034"},
      {PiiKind::kIpv4, "server at 192.168.1.20, port 22", "192.168.1.20"},
      {PiiKind::kIpv4, "dns 8.8.8.8.", "8.8.8.8"},
      {PiiKind::kIpv6, "addr 2001:db8:85a3::8a2e:370:7334 up",
       "2001:db8:85a3::8a2e:370:7334"},
      {PiiKind::kIpv6, "link fe80::1ff:fe23:4567:890a%eth0",
       "fe80::1ff:fe23:4567:890a"},
      {PiiKind::kIpv6, "mapped ::ffff:192.0.2.128 here", "::ffff:192.0.2.128"},
      {PiiKind::kIpv6, "full 2001:0db8:0000:0000:0000:ff00:0042:8329",
       "2001:0db8:0000:0000:0000:ff00:0042:8329"},
      {PiiKind::kOpenAiKey,
       "key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7CD0EFgh2IJ here",
       "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7CD0EFgh2IJ"},
      {PiiKind::kOpenAiKey,
       "OPENAI_API_KEY=sk-T3BlbkFJa8b7c6d5e4f3g2h1i0jKLMNOPQ",
       "sk-T3BlbkFJa8b7c6d5e4f3g2h1i0jKLMNOPQ"},
      {PiiKind::kAnthropicKey,
       "x-api-key: sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-AbCdEfGh_12",
       "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe-AbCdEfGh_12"},
      {PiiKind::kAwsAccessKey, "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
       "AKIAIOSFODNN7EXAMPLE"},
      {PiiKind::kAwsAccessKey, "temp ASIAY34FZKBOKMUTVV7A.",
       "ASIAY34FZKBOKMUTVV7A"},
      {PiiKind::kJwt,
       "Bearer "
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
      {PiiKind::kPrivateKey,
       "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nabc+/=\n"
       "-----END RSA PRIVATE KEY-----\nthanks",
       "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7bq\nabc+/=\n"
       "-----END RSA PRIVATE KEY-----"},
      {PiiKind::kPrivateKey,
       "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE "
       "KEY-----",
       "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA\n-----END PRIVATE "
       "KEY-----"},
  };
  for (const Positive& row : rows) {
    SCOPED_TRACE(row.text);
    auto found = Found(row.text);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].first, row.kind) << PiiKindName(found[0].first);
    EXPECT_EQ(found[0].second, row.value);
  }
}

TEST(PiiDetector, Negatives) {
  const std::vector<std::string> rows = {
      "Order number 4111111111111112 shipped",  // fails Luhn
      "Ref 1234567890123456",                   // fails Luhn / no issuer
      "Order #20240315123456789012 confirmed",  // long digit run
      "tracking 1Z999AA10123456784",
      "call me at 4155552671 maybe",  // bare digits: not a phone
      "It happened on 2023-01-15 at 10:30:45.",
      "Version 1.2.3 released; build 10.0.19041.1234",
      "IP-like 256.1.1.1 and 1.2.3.4.5 and 01.02.03.04",
      "SSN-like 000-12-3456, 666-12-3456, 900-12-3456, 123-00-4567",
      "SSN-like 123-45-0000 and 123-45 6789",
      "IBAN-like GB82WEST12345698765433 (bad check digits)",
      "IBAN-like XX82WEST12345698765432 (unknown country)",
      "std::vector<int> and a::b and foo::bar()",
      "MAC 00:1A:2B:3C:4D:5E and time 12:30:45",
      "::1 is loopback",
      "user@localhost is not routable",
      "twitter handle @example and email-ish a@b",
      "sk-learn-compatible-estimators-for-everyone",
      "desk-top publishing and task-oriented design",
      "AKIA is a prefix, AKIAIOSFODNN7EXAMPL too short",
      "eyJ alone, eyJabc.eyJ not a jwt",
      "-----BEGIN RSA PRIVATE KEY----- without an end",
      "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
      "Prices: $1,234,567.89 and 3.14159265358979",
      "ISBN 978-3-16-148410-0",
      "phone-ish 123-456-7890 (area code starts with 1)",
      "part 12-415-555-2671-99",
      "",
  };
  for (const std::string& text : rows) {
    SCOPED_TRACE(text);
    auto found = Found(text);
    for (const auto& [kind, value] : found) {
      ADD_FAILURE() << PiiKindName(kind) << ": " << value;
    }
  }
}

TEST(PiiDetector, SeveralInOneText) {
  const std::string text =
      "Hi, I'm Jane (jane@corp.example, +44 20 7946 0958). Card "
      "4111-1111-1111-1111, IBAN GB82WEST12345698765432, from 10.0.0.7.";
  auto found = Found(text);
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found[0].first, PiiKind::kEmail);
  EXPECT_EQ(found[1].first, PiiKind::kPhone);
  EXPECT_EQ(found[2].first, PiiKind::kCreditCard);
  EXPECT_EQ(found[3].first, PiiKind::kIban);
  EXPECT_EQ(found[4].first, PiiKind::kIpv4);
}

TEST(PiiDetector, KindSubset) {
  PiiDetector emails_only(*ParsePiiKinds("email"));
  auto m = emails_only.Detect("a@example.com 4111111111111111 10.0.0.1");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].kind, PiiKind::kEmail);
  PiiDetector secrets(*ParsePiiKinds("secrets"));
  EXPECT_TRUE(secrets.Detect("a@example.com").empty());
  EXPECT_EQ(secrets.Detect("AKIAIOSFODNN7EXAMPLE").size(), 1u);
}

TEST(PiiDetector, StartSkipsContext) {
  const std::string text = "a@example.com and b@example.com";
  auto m = PiiDetector::Default().Detect(text, 5);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(text.substr(m[0].begin, m[0].end - m[0].begin), "b@example.com");
}

TEST(PiiDetector, UnicodeAndInvalidUtf8) {
  auto found = Found("Ünïcödé — écrivez à marie@exemple.fr 📧, merci");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second, "marie@exemple.fr");
  std::string bad = "\xff\xfe card 4111111111111111 \xc3";
  EXPECT_EQ(Found(bad).size(), 1u);
}

// A mix of prose, lookalikes and real items, cut at random.
std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "The meeting is at 10:30 on 2024-05-01. ",
      "Write to john.doe@example.com or ",
      "call +1 (415) 555-2671. ",
      "Card 4111 1111 1111 1111 exp 12/29. ",
      "Order 4111111111111112 and ref 1234-5678. ",
      "IBAN GB82 WEST 1234 5698 7654 32 ",
      "SSN 078-05-1120 ",
      "host 192.168.0.1 and fe80::1ff:fe23:4567:890a ",
      "key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAB7CD0EFgh2IJ ",
      "AKIAIOSFODNN7EXAMPLE ",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcDEF123_- ",
      "std::map<int, int> m; ",
      "version 1.2.3.4.5 ",
      "café ☕ naïve résumé ",
      "\n",
      "0123456789 ",
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----\n",
  };
  std::string text;
  const int n = std::uniform_int_distribution<int>(1, 30)(rng);
  for (int i = 0; i < n; ++i) {
    std::string p = pieces[rng() % pieces.size()];
    if (rng() % 4 == 0) p = p.substr(0, rng() % (p.size() + 1));
    text += p;
  }
  return text;
}

TEST(PiiDetector, PrefilterNeverChangesResults) {
  PiiDetector plain(AllPiiKinds(), DetectorOptions{.prefilter = false});
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    const std::string text = RandomText(rng);
    auto a = PiiDetector::Default().Detect(text);
    auto b = plain.Detect(text);
    ASSERT_EQ(a.size(), b.size()) << text;
    for (size_t j = 0; j < a.size(); ++j) {
      EXPECT_EQ(a[j].kind, b[j].kind) << text;
      EXPECT_EQ(a[j].begin, b[j].begin) << text;
      EXPECT_EQ(a[j].end, b[j].end) << text;
    }
  }
}

TEST(PiiDetector, VeryLongInput) {
  std::string text(4 << 20, 'a');
  for (size_t i = 0; i < text.size(); i += 80) text[i] = ' ';
  text += " reach me at someone@example.org";
  auto found = Found(text);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].second, "someone@example.org");
  // A long digit run is not a card.
  EXPECT_TRUE(Found(std::string(100000, '4')).empty());
}

TEST(Validators, Luhn) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("41x1"));
}

TEST(Validators, Cards) {
  EXPECT_TRUE(CardNumberValid("4111 1111 1111 1111"));
  EXPECT_TRUE(CardNumberValid("5555555555554444"));      // Mastercard
  EXPECT_TRUE(CardNumberValid("2223003122003222"));      // Mastercard 2-series
  EXPECT_TRUE(CardNumberValid("371449635398431"));       // Amex
  EXPECT_TRUE(CardNumberValid("30569309025904"));        // Diners 14
  EXPECT_TRUE(CardNumberValid("6011000990139424"));      // Discover
  EXPECT_TRUE(CardNumberValid("3566002020360505"));      // JCB
  EXPECT_TRUE(CardNumberValid("6200000000000005"));      // UnionPay
  EXPECT_FALSE(CardNumberValid("4111 1111-1111 1111"));  // mixed separators
  EXPECT_FALSE(CardNumberValid("1111111111111117"));     // no issuer
  EXPECT_FALSE(CardNumberValid("0000000000000000"));
  EXPECT_FALSE(CardNumberValid("37144963539843"));  // Amex wrong length
}

TEST(Validators, Iban) {
  EXPECT_TRUE(IbanValid("GB82WEST12345698765432"));
  EXPECT_TRUE(IbanValid("GB82 WEST 1234 5698 7654 32"));
  EXPECT_TRUE(IbanValid("DE89370400440532013000"));
  EXPECT_TRUE(IbanValid("NO9386011117947"));
  EXPECT_TRUE(IbanValid("MT84MALT011000012345MTLCAST001S"));
  EXPECT_FALSE(IbanValid("GB82WEST12345698765431"));  // checksum
  EXPECT_FALSE(IbanValid("GB82WEST1234569876543"));   // length for GB
  EXPECT_FALSE(IbanValid("gb82west12345698765432"));  // lower case
  EXPECT_FALSE(IbanValid("ZZ82WEST12345698765432"));
}

TEST(Validators, Ssn) {
  EXPECT_TRUE(UsSsnValid("078-05-1120"));
  EXPECT_TRUE(UsSsnValid("219 09 9999"));
  EXPECT_FALSE(UsSsnValid("000-05-1120"));
  EXPECT_FALSE(UsSsnValid("666-05-1120"));
  EXPECT_FALSE(UsSsnValid("901-05-1120"));
  EXPECT_FALSE(UsSsnValid("078-00-1120"));
  EXPECT_FALSE(UsSsnValid("078-05-0000"));
  EXPECT_FALSE(UsSsnValid("078-05 1120"));
}

TEST(Validators, IpAndPhone) {
  EXPECT_TRUE(Ipv4Valid("255.255.255.255"));
  EXPECT_FALSE(Ipv4Valid("256.1.1.1"));
  EXPECT_FALSE(Ipv4Valid("1.2.3"));
  EXPECT_FALSE(Ipv4Valid("01.2.3.4"));
  EXPECT_TRUE(Ipv6Valid("2001:db8::1"));
  EXPECT_FALSE(Ipv6Valid("::1"));
  EXPECT_FALSE(Ipv6Valid("abc::def"));
  EXPECT_FALSE(Ipv6Valid("1:2:3"));
  EXPECT_TRUE(PhoneValid("+44 20 7946 0958"));
  EXPECT_FALSE(PhoneValid("+0 20 7946 0958"));
  EXPECT_FALSE(PhoneValid("+1234567"));      // too short
  EXPECT_FALSE(PhoneValid("123-555-2671"));  // NANP area starts with 1
}

}  // namespace
}  // namespace across::guardrails::pii
