#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

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

TEST(CharacterCount, BadParams) {
  ExpectLoadError("character_count", R"({})", "params.min");
  ExpectLoadError("character_count", R"({"min":5,"max":2})", "params.min");
  ExpectLoadError("character_count", R"({"min":-1})", "params.min");
  ExpectLoadError("character_count", R"({"max":1.5})", "params.max");
  ExpectLoadError("character_count", R"({"max":"10"})", "params.max");
  ExpectLoadError("character_count", R"({"max":10,"minimum":1})",
                  "params.minimum");
}

}  // namespace
}  // namespace across::guardrails::testing
