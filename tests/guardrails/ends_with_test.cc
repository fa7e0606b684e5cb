#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(EndsWith, Table) {
  RunTable(
      "ends_with",
      {
          {"ends", R"({"suffix":"Thanks!"})", "Hello. Thanks!", true},
          {"trailing whitespace ignored", R"({"suffix":"Thanks!"})",
           "Hello. Thanks!\n\n  ", true},
          {"does not end", R"({"suffix":"Thanks!"})", "Thanks! Bye", false},
          {"case-sensitive default", R"({"suffix":"END"})", "the end", false},
          {"case-insensitive", R"({"suffix":"END","case_sensitive":false})",
           "the end", true},
          {"unicode fold", R"({"suffix":"ÉTÉ","case_sensitive":false})",
           "bel été", true},
          {"not", R"({"suffix":"x","not":true})", "abx", false},
          {"empty text", R"({"suffix":"x"})", "", false},
          {"very long", R"({"suffix":"[END]"})", LongProse(1 << 20) + "[END]",
           true},
      });
  ExpectLoadError("ends_with", R"({})", "params.suffix");
  ExpectLoadError("ends_with", R"({"suffix":"x "})", "params.suffix");
  ExpectLoadError("ends_with", R"({"suffix":"x","case_sensitive":"no"})",
                  "params.case_sensitive");
}

}  // namespace
}  // namespace across::guardrails::testing
