// word_count, sentence_count and character_count share CountRange; one
// table per check.
#include <gtest/gtest.h>

#include "guardrails/text_stats.h"
#include "guardrails/unicode.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(WordCount, Table) {
  const std::string long_text = LongProse(1 << 20);
  RunTable("word_count",
           {
               {"within", R"({"min":2,"max":5})", "three small words", true},
               {"too many", R"({"max":2})", "three small words", false},
               {"too few", R"({"min":4})", "three small words", false},
               {"not", R"({"min":2,"max":5,"not":true})", "three small words",
                false},
               {"punctuation is not a word", R"({"max":2})", "hello , world !",
                true},
               {"empty text", R"({"min":1})", "", false},
               {"empty text, max only", R"({"max":3})", "", true},
               {"unicode", R"({"min":3,"max":3})", "naïve café résumé", true},
               {"cjk run is one word", R"({"max":1})", "私は東京に住んでいます",
                true},
               {"whitespace kinds", R"({"min":3,"max":3})",
                "a\u00a0b\u3000c", true},
               {"very long input", R"({"max":1000})", long_text, false},
           });
}

TEST(SentenceCount, Table) {
  RunTable("sentence_count",
           {
               {"two", R"({"min":2,"max":2})", "Hi there. How are you?", true},
               {"trailing fragment counts", R"({"min":3,"max":3})",
                "One. Two! Three", true},
               {"decimals do not split", R"({"max":1})", "Pi is 3.14 today.",
                true},
               {"ellipsis and quotes", R"({"min":2,"max":2})",
                "He said \"wait...\" Then left.", true},
               {"cjk terminators", R"({"min":2,"max":2})", "你好。你好吗？",
                true},
               {"too many", R"({"max":1})", "A. B. C.", false},
               {"not", R"({"max":1,"not":true})", "A. B. C.", true},
               {"empty", R"({"min":1})", "", false},
               {"only punctuation", R"({"max":0})", "...!?", true},
               {"very long", R"({"min":1000})", LongProse(1 << 20), true},
           });
}

TEST(CharacterCount, Table) {
  RunTable("character_count",
           {
               {"ascii", R"({"min":5,"max":5})", "hello", true},
               {"code points not bytes", R"({"max":4})", "日本語!", true},
               {"emoji is one", R"({"min":1,"max":1})", "😀", true},
               {"too long", R"({"max":3})", "hello", false},
               {"too short", R"({"min":10})", "hello", false},
               {"not", R"({"max":3,"not":true})", "hello", true},
               {"empty", R"({"max":0})", "", true},
               {"very long", R"({"max":1000000})", LongProse(1 << 20), false},
           });
}

TEST(CountChecks, BadParams) {
  for (const char* type : {"word_count", "sentence_count", "character_count"}) {
    ExpectLoadError(type, R"({})", "params.min");
    ExpectLoadError(type, R"({"min":5,"max":2})", "params.min");
    ExpectLoadError(type, R"({"min":-1})", "params.min");
    ExpectLoadError(type, R"({"max":1.5})", "params.max");
    ExpectLoadError(type, R"({"max":"10"})", "params.max");
    ExpectLoadError(type, R"({"max":10,"minimum":1})", "params.minimum");
  }
}

TEST(CountChecks, PartialStream) {
  auto words = Build("word_count", R"({"min":3,"max":4})");
  EXPECT_TRUE(CheckOutput(*words, "one two", true).passed());  // may grow
  EXPECT_FALSE(CheckOutput(*words, "one two", true).final);
  GuardrailResult r = CheckOutput(*words, "one two three four five", true);
  EXPECT_FALSE(r.passed());  // can only grow
  EXPECT_TRUE(r.final);
  EXPECT_NE(r.explanation.find("has 5 words (min 3, max 4)"), std::string::npos)
      << r.explanation;
}

TEST(TextStats, Counts) {
  EXPECT_EQ(CountWords("  leading and   trailing  "), 3u);
  EXPECT_EQ(CountWords("— - , ."), 0u);
  EXPECT_EQ(CountSentences("Dr. Smith arrived. Then he left"), 3u);  // documented
  EXPECT_EQ(CountSentences("No terminator"), 1u);
  EXPECT_EQ(CountCodePoints("a\xff" "b"), 3u);  // invalid byte counts as one
  EXPECT_EQ(Trim(" \u00a0 x \u3000"), "x");
}

}  // namespace
}  // namespace across::guardrails::testing
