// Counting and Unicode helpers behind the count checks.
#include "guardrails/text_stats.h"

#include <gtest/gtest.h>

#include "guardrails/unicode.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(TextStats, Counts) {
  EXPECT_EQ(CountWords("  leading and   trailing  "), 3u);
  EXPECT_EQ(CountWords("— - , ."), 0u);
  EXPECT_EQ(CountSentences("Dr. Smith arrived. Then he left"),
            3u);  // documented
  EXPECT_EQ(CountSentences("No terminator"), 1u);
  EXPECT_EQ(CountCodePoints("a\xff"
                            "b"),
            3u);  // invalid byte counts as one
  EXPECT_EQ(Trim(" \u00a0 x \u3000"), "x");
}

TEST(Unicode, Decode) {
  EXPECT_EQ(DecodeAt("é", 0).value, 0xE9u);
  EXPECT_EQ(DecodeAt("é", 0).length, 2u);
  EXPECT_EQ(DecodeAt("\xe9", 0).value, 0xFFFDu);      // Latin-1 byte, invalid
  EXPECT_EQ(DecodeAt("\xc0\xaf", 0).value, 0xFFFDu);  // overlong '/'
  EXPECT_EQ(DecodeBefore("a😀", 5).value, 0x1F600u);
  EXPECT_TRUE(IsWordChar(U'ß'));
  EXPECT_TRUE(IsWordChar(U'界'));
  EXPECT_FALSE(IsWordChar(U'—'));
  EXPECT_TRUE(IsUnspacedScript(U'界'));
  EXPECT_FALSE(IsUnspacedScript(U'é'));
}

}  // namespace
}  // namespace across::guardrails::testing
