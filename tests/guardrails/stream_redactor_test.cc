#include "guardrails/pii/stream_redactor.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "guardrails/pii/detector.h"
#include "guardrails/pii/kind.h"
#include "guardrails/pii/redactor.h"

namespace across::guardrails::pii {
namespace {

std::string OneShot(std::string_view text) {
  Redactor redactor;
  std::vector<RedactSpan> spans;
  for (const PiiMatch& m : PiiDetector::Default().Detect(text)) {
    spans.push_back({m.begin, m.end, PiiKindLabel(m.kind)});
  }
  return redactor.Apply(text, spans);
}

// Feeds `text` in pieces ending at `cuts` (sorted) and returns the output.
std::string Streamed(std::string_view text, const std::vector<size_t>& cuts,
                     size_t* max_held = nullptr) {
  Redactor redactor;
  StreamRedactor stream(PiiDetector::Default(), redactor);
  std::string out;
  size_t pos = 0;
  for (size_t cut : cuts) {
    out += stream.Feed(text.substr(pos, cut - pos));
    if (max_held != nullptr) *max_held = std::max(*max_held, stream.held());
    pos = cut;
  }
  out += stream.Feed(text.substr(pos));
  out += stream.Flush();
  EXPECT_EQ(stream.held(), 0u);
  return out;
}

const char kText[] =
    "Hello! Please email jane.doe@example.com about card 4111 1111 1111 1111 "
    "(exp 12/29); call +1 (415) 555-2671 or write jane.doe@example.com again.";

TEST(StreamRedactor, EverySplitPositionMatchesOneShot) {
  const std::string text = kText;
  const std::string expected = OneShot(text);
  EXPECT_EQ(expected,
            "Hello! Please email [EMAIL_1] about card [CREDIT_CARD_1] "
            "(exp 12/29); call [PHONE_1] or write [EMAIL_1] again.");
  for (size_t i = 0; i <= text.size(); ++i) {
    ASSERT_EQ(Streamed(text, {i}), expected) << "split at " << i;
  }
}

TEST(StreamRedactor, EveryPairOfSplitsMatchesOneShot) {
  const std::string text = "card 4111111111111111, mail a.b@example.org!";
  const std::string expected = OneShot(text);
  for (size_t i = 0; i <= text.size(); ++i) {
    for (size_t j = i; j <= text.size(); ++j) {
      ASSERT_EQ(Streamed(text, {i, j}), expected) << i << "," << j;
    }
  }
}

TEST(StreamRedactor, ByteByByte) {
  const std::string text = std::string(kText) +
                           " IBAN GB82 WEST 1234 5698 7654 32, key "
                           "AKIAIOSFODNN7EXAMPLE, host fe80::1ff:fe23:4567:890a"
                           " and -----BEGIN PRIVATE KEY-----\nMC4CAQAw\n"
                           "-----END PRIVATE KEY----- done";
  std::vector<size_t> cuts;
  for (size_t i = 1; i < text.size(); ++i) cuts.push_back(i);
  size_t max_held = 0;
  EXPECT_EQ(Streamed(text, cuts, &max_held), OneShot(text));
  // Holds back only pending matches, never the whole text.
  EXPECT_LT(max_held, 80u);
}

TEST(StreamRedactor, RandomSplitsOfRandomTexts) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "Prose about the quarterly numbers. ", "jane@example.com ",
      "4111 1111 1111 1111 ", "4111111111111112 ", "+44 20 7946 0958 ",
      "078-05-1120 ", "GB82WEST12345698765432 ", "10.1.2.3 ", "1.2.3.4.5 ",
      "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe ", "2001:db8::1 ",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature ", "café ",
      "-----BEGIN EC PRIVATE KEY-----\nABC\n-----END EC PRIVATE KEY-----\n",
      "12:30 ", "BE68 5390 0754 7034 ABCD ", "\n",
      // Fragments that glue onto neighbours and probe context rules.
      "-", ".", ":", "::", "@", "+", "0", "9", "é", "sk-", "eyJ", "x@y",
      "(415) 555-2671", "-----BEGIN RSA PRIVATE KEY-----\n",
      "-----END RSA PRIVATE KEY-----"};
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 14);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    std::vector<size_t> cuts;
    for (size_t i = 1; i < text.size(); ++i) {
      if (rng() % 5 == 0) cuts.push_back(i);
    }
    ASSERT_EQ(Streamed(text, cuts), OneShot(text)) << text;
  }
}

TEST(StreamRedactor, ForwardsProseWithoutWaiting) {
  Redactor redactor;
  StreamRedactor stream(PiiDetector::Default(), redactor);
  // Everything but the trailing partial word goes out at once.
  std::string out = stream.Feed("The answer is simple and clear. Next");
  EXPECT_EQ(out, "The answer is simple and clear. ");
  EXPECT_EQ(stream.held(), 4u);
  out += stream.Flush();
  EXPECT_EQ(out, "The answer is simple and clear. Next");
}

TEST(StreamRedactor, HoldsUnterminatedPrivateKey) {
  Redactor redactor;
  StreamRedactor stream(PiiDetector::Default(), redactor);
  std::string out = stream.Feed("key: -----BEGIN RSA PRIVATE KEY-----\nMIIE");
  EXPECT_EQ(out, "key: ");
  out += stream.Feed("pAIBAAK\n-----END RSA PRIVATE KEY----- ok");
  out += stream.Flush();
  EXPECT_EQ(out, "key: [PRIVATE_KEY_1] ok");
  ASSERT_EQ(stream.findings().size(), 1u);
  EXPECT_EQ(stream.findings()[0].kind, PiiKind::kPrivateKey);
  EXPECT_EQ(stream.findings()[0].begin, 5u);
}

TEST(StreamRedactor, SharesNumberingWithInput) {
  Redactor redactor;
  // The input stage redacted this address first.
  EXPECT_EQ(redactor.Placeholder("EMAIL", "bob@example.com"), "[EMAIL_1]");
  StreamRedactor stream(PiiDetector::Default(), redactor);
  std::string out = stream.Feed("Sure, alice@example.com and Bob@Example.com");
  out += stream.Flush();
  EXPECT_EQ(out, "Sure, [EMAIL_2] and [EMAIL_1]");
}

TEST(StreamRedactor, HoldBackBound) {
  EXPECT_EQ(PiiDetector::Default().MaxHoldBack(), 16384u);
  PiiDetector numbers(*ParsePiiKinds("credit_card"));
  EXPECT_EQ(numbers.MaxHoldBack(), 23u);
  EXPECT_EQ(numbers.HoldBack("total: 4111 1111"), 10u);
  EXPECT_EQ(numbers.HoldBack("word"), 0u);
}

}  // namespace
}  // namespace across::guardrails::pii
