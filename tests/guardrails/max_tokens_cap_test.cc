#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(MaxTokensCap, Table) {
  RunRequestTable(
      "max_tokens_cap",
      {
          {"under cap", R"({"max":1000})", Request("m", {}, 500), true},
          {"at cap", R"({"max":1000})", Request("m", {}, 1000), true},
          {"over cap", R"({"max":1000})", Request("m", {}, 1001), false},
          {"huge request", R"({"max":1000})",
           Request("m", {}, int64_t{1} << 40), false},
          {"unset passes", R"({"max":1000})", Request("m", {}, {}), true},
          {"unset with require", R"({"max":1000,"require":true})",
           Request("m", {}, {}), false},
          {"not", R"({"max":1000,"not":true})", Request("m", {}, 10), false},
      });
}

TEST(MaxTokensCap, BadParams) {
  ExpectLoadError("max_tokens_cap", R"({})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":0})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":"100"})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":100,"require":1})",
                  "params.require");
}

}  // namespace
}  // namespace across::guardrails::testing
