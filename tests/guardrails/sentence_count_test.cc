#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(SentenceCount, Table) {
  RunTable(
      "sentence_count",
      {
          {"two", R"({"min":2,"max":2})", "Hi there. How are you?", true},
          {"trailing fragment counts", R"({"min":3,"max":3})",
           "One. Two! Three", true},
          {"decimals do not split", R"({"max":1})", "Pi is 3.14 today.", true},
          {"ellipsis and quotes", R"({"min":2,"max":2})",
           "He said \"wait...\" Then left.", true},
          {"cjk terminators", R"({"min":2,"max":2})", "你好。你好吗？", true},
          {"too many", R"({"max":1})", "A. B. C.", false},
          {"not", R"({"max":1,"not":true})", "A. B. C.", true},
          {"empty", R"({"min":1})", "", false},
          {"only punctuation", R"({"max":0})", "...!?", true},
          {"very long", R"({"min":1000})", LongProse(1 << 20), true},
      });
}

TEST(SentenceCount, BadParams) {
  ExpectLoadError("sentence_count", R"({})", "params.min");
  ExpectLoadError("sentence_count", R"({"min":5,"max":2})", "params.min");
  ExpectLoadError("sentence_count", R"({"min":-1})", "params.min");
  ExpectLoadError("sentence_count", R"({"max":1.5})", "params.max");
  ExpectLoadError("sentence_count", R"({"max":"10"})", "params.max");
  ExpectLoadError("sentence_count", R"({"max":10,"minimum":1})",
                  "params.minimum");
}

TEST(SentenceCount, PartialStream) {
  auto g = Build("sentence_count", R"({"max":1})");
  EXPECT_FALSE(CheckOutput(*g, "One. Two", true).passed());  // cannot shrink
  EXPECT_TRUE(CheckOutput(*g, "One. Two", true).final);
  EXPECT_TRUE(CheckOutput(*g, "One", true).passed());
  EXPECT_FALSE(CheckOutput(*g, "One", true).final);
}

}  // namespace
}  // namespace across::guardrails::testing
