#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(RequiredMetadataKeys, Table) {
  RunRequestTable(
      "required_metadata_keys",
      {
          {"all keys", R"({"keys":["team","env"]})",
           Request("m", {{"team", "a"}, {"env", ""}}, {}), true},
          {"missing key", R"({"keys":["team","env"]})",
           Request("m", {{"team", "a"}}, {}), false},
          {"any key", R"({"keys":["team","env"],"operator":"any"})",
           Request("m", {{"env", "prod"}}, {}), true},
          {"any, none present", R"({"keys":["team","env"],"operator":"any"})",
           Request("m", {{"user", "x"}}, {}), false},
          {"none", R"({"keys":["debug"],"operator":"none"})",
           Request("m", {{"debug", "1"}}, {}), false},
          {"not", R"({"keys":["team"],"not":true})",
           Request("m", {{"team", "a"}}, {}), false},
          {"no metadata", R"({"keys":["team"]})", Request("m", {}, {}), false},
          {"unicode key", R"({"keys":["équipe"]})",
           Request("m", {{"équipe", "x"}}, {}), true},
          {"keys are case-sensitive", R"({"keys":["Team"]})",
           Request("m", {{"team", "x"}}, {}), false},
      });
}

TEST(RequiredMetadataKeys, BadParams) {
  ExpectLoadError("required_metadata_keys", R"({})", "params.keys");
  ExpectLoadError("required_metadata_keys", R"({"keys":[1]})",
                  "params.keys[0]");
  ExpectLoadError("required_metadata_keys",
                  R"({"keys":["a"],"operator":"every"})", "params.operator");
}

}  // namespace
}  // namespace across::guardrails::testing
