#include "guardrails/checks/model_allowlist.h"

#include <gtest/gtest.h>

#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

TEST(ModelAllowlist, Table) {
  const std::string long_name(100000, 'm');
  RunRequestTable(
      "model_allowlist",
      {
          {"allowed", R"({"models":["gpt-4o","claude-3-5"]})",
           Request("gpt-4o", {}, {}), true},
          {"not allowed", R"({"models":["gpt-4o"]})",
           Request("gpt-4o-mini", {}, {}), false},
          {"wildcard", R"({"models":["gpt-4o*"]})",
           Request("gpt-4o-mini", {}, {}), true},
          {"denylist via not", R"({"models":["*preview*"],"not":true})",
           Request("o1-preview-2024", {}, {}), false},
          {"not, other model", R"({"models":["*preview*"],"not":true})",
           Request("o1", {}, {}), true},
          {"empty model", R"({"models":["gpt-4o"]})", Request("", {}, {}),
           false},
          {"unicode model", R"({"models":["modèle-ü*"]})",
           Request("modèle-ü-1", {}, {}), true},
          {"very long model name", R"({"models":["m*m"]})",
           Request(long_name, {}, {}), true},
      });
}

TEST(ModelAllowlist, BadParams) {
  ExpectLoadError("model_allowlist", R"({})", "params.models");
  ExpectLoadError("model_allowlist", R"({"models":[]})", "params.models");
  ExpectLoadError("model_allowlist", R"({"models":"gpt-4o"})", "params.models");
  // Not a text check, so no roles.
  ExpectLoadError("model_allowlist", R"({"models":["a"],"roles":["user"]})",
                  "params.roles");
}

TEST(ModelAllowlist, Glob) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(GlobMatch("gpt-4o", "gpt-4o"));
  EXPECT_FALSE(GlobMatch("gpt-4o", "gpt-4o-mini"));
  EXPECT_TRUE(GlobMatch("*-mini", "gpt-4o-mini"));
}

}  // namespace
}  // namespace across::guardrails::testing
