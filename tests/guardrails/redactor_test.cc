#include "guardrails/pii/redactor.h"

#include <gtest/gtest.h>

namespace across::guardrails::pii {
namespace {

TEST(Redactor, NumbersPerLabelAndReusesPlaceholders) {
  Redactor r;
  EXPECT_EQ(r.Placeholder("EMAIL", "a@x.com"), "[EMAIL_1]");
  EXPECT_EQ(r.Placeholder("EMAIL", "b@x.com"), "[EMAIL_2]");
  EXPECT_EQ(r.Placeholder("PHONE", "+1 415 555 2671"), "[PHONE_1]");
  EXPECT_EQ(r.Placeholder("EMAIL", "A@X.com"), "[EMAIL_1]");  // case-folded
  EXPECT_EQ(r.Placeholder("CREDIT_CARD", "4111 1111 1111 1111"),
            "[CREDIT_CARD_1]");
  EXPECT_EQ(r.Placeholder("CREDIT_CARD", "4111-1111-1111-1111"),
            "[CREDIT_CARD_1]");
  EXPECT_EQ(r.size(), 4u);
}

TEST(Redactor, Apply) {
  Redactor r;
  const std::string text = "x a@x.com y b@x.com z a@x.com";
  const std::vector<RedactSpan> spans = {
      {2, 9, "EMAIL"}, {12, 19, "EMAIL"}, {22, 29, "EMAIL"}};
  EXPECT_EQ(r.Apply(text, spans), "x [EMAIL_1] y [EMAIL_2] z [EMAIL_1]");
  EXPECT_EQ(r.Apply("", {}), "");
  EXPECT_EQ(r.Apply("no spans", {}), "no spans");
}

}  // namespace
}  // namespace across::guardrails::pii
