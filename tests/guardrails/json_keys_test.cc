#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(JsonKeys, Table) {
  const std::string long_json =
      R"({"a":")" + std::string(1 << 20, 'x') + R"(","b":1})";
  RunTable(
      "json_keys",
      {
          {"any", R"({"keys":["a","z"]})", R"({"a":1})", true},
          {"any none", R"({"keys":["y","z"]})", R"({"a":1})", false},
          {"all", R"({"keys":["a","b"],"operator":"all"})", R"({"a":1,"b":2})",
           true},
          {"all missing", R"({"keys":["a","b"],"operator":"all"})",
           R"({"a":1})", false},
          {"none", R"({"keys":["password"],"operator":"none"})",
           R"({"user":"x"})", true},
          {"none present", R"({"keys":["password"],"operator":"none"})",
           R"({"password":"x"})", false},
          {"not", R"({"keys":["a"],"not":true})", R"({"a":1})", false},
          {"array is not an object", R"({"keys":["a"]})", R"([{"a":1}])",
           false},
          {"fenced", R"({"keys":["a"]})", "```json\n{\"a\": 1}\n```", true},
          {"unicode key", R"({"keys":["名前"]})", R"({"名前":"x"})", true},
          {"empty", R"({"keys":["a"]})", "", false},
          {"very long", R"({"keys":["b"]})", long_json, true},
          {"nested keys are not top-level", R"({"keys":["b"]})",
           R"({"a":{"b":1}})", false},
      });
  ExpectLoadError("json_keys", R"({"keys":[]})", "params.keys");
  ExpectLoadError("json_keys", R"({"keys":["a"],"operator":"most"})",
                  "params.operator");
}

}  // namespace
}  // namespace across::guardrails::testing
