#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(WordCount, Table) {
  const std::string long_text = LongProse(1 << 20);
  RunTable(
      "word_count",
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
          {"whitespace kinds", R"({"min":3,"max":3})", "a\u00a0b\u3000c", true},
          {"very long input", R"({"max":1000})", long_text, false},
      });
}

TEST(WordCount, BadParams) {
  ExpectLoadError("word_count", R"({})", "params.min");
  ExpectLoadError("word_count", R"({"min":5,"max":2})", "params.min");
  ExpectLoadError("word_count", R"({"min":-1})", "params.min");
  ExpectLoadError("word_count", R"({"max":1.5})", "params.max");
  ExpectLoadError("word_count", R"({"max":"10"})", "params.max");
  ExpectLoadError("word_count", R"({"max":1e30})", "params.max");
  ExpectLoadError("word_count", R"({"max":10,"minimum":1})", "params.minimum");
}

TEST(WordCount, PartialStream) {
  auto words = Build("word_count", R"({"min":3,"max":4})");
  EXPECT_TRUE(CheckOutput(*words, "one two", true).passed());  // may grow
  EXPECT_FALSE(CheckOutput(*words, "one two", true).final);
  GuardrailResult r = CheckOutput(*words, "one two three four five", true);
  EXPECT_FALSE(r.passed());  // can only grow
  EXPECT_TRUE(r.final);
  EXPECT_NE(r.explanation.find("has 5 words (min 3, max 4)"), std::string::npos)
      << r.explanation;
}

}  // namespace
}  // namespace across::guardrails::testing
