// model_allowlist, required_metadata_keys and max_tokens_cap look at
// request facts, not text.
#include <gtest/gtest.h>

#include "guardrails/checks/model_allowlist.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

GuardrailInput Request(std::string_view model,
                       std::map<std::string, std::string, std::less<>> metadata,
                       std::optional<int64_t> max_tokens) {
  GuardrailInput input;
  input.model = model;
  input.metadata = std::move(metadata);
  input.max_tokens = max_tokens;
  input.texts.push_back({0, "user", "hello"});
  return input;
}

struct RequestRow {
  std::string name;
  std::string type;
  std::string params;
  GuardrailInput input;
  bool pass;
};

TEST(RequestChecks, Table) {
  const std::vector<RequestRow> rows = {
      {"allowed", "model_allowlist", R"({"models":["gpt-4o","claude-3-5"]})",
       Request("gpt-4o", {}, {}), true},
      {"not allowed", "model_allowlist", R"({"models":["gpt-4o"]})",
       Request("gpt-4o-mini", {}, {}), false},
      {"wildcard", "model_allowlist", R"({"models":["gpt-4o*"]})",
       Request("gpt-4o-mini", {}, {}), true},
      {"denylist via not", "model_allowlist",
       R"({"models":["*preview*"],"not":true})",
       Request("o1-preview-2024", {}, {}), false},
      {"empty model", "model_allowlist", R"({"models":["gpt-4o"]})",
       Request("", {}, {}), false},
      {"unicode model", "model_allowlist", R"({"models":["modèle-ü*"]})",
       Request("modèle-ü-1", {}, {}), true},
      {"all keys", "required_metadata_keys", R"({"keys":["team","env"]})",
       Request("m", {{"team", "a"}, {"env", ""}}, {}), true},
      {"missing key", "required_metadata_keys", R"({"keys":["team","env"]})",
       Request("m", {{"team", "a"}}, {}), false},
      {"any key", "required_metadata_keys",
       R"({"keys":["team","env"],"operator":"any"})",
       Request("m", {{"env", "prod"}}, {}), true},
      {"none", "required_metadata_keys",
       R"({"keys":["debug"],"operator":"none"})",
       Request("m", {{"debug", "1"}}, {}), false},
      {"no metadata", "required_metadata_keys", R"({"keys":["team"]})",
       Request("m", {}, {}), false},
      {"under cap", "max_tokens_cap", R"({"max":1000})", Request("m", {}, 500),
       true},
      {"at cap", "max_tokens_cap", R"({"max":1000})", Request("m", {}, 1000),
       true},
      {"over cap", "max_tokens_cap", R"({"max":1000})", Request("m", {}, 1001),
       false},
      {"unset passes", "max_tokens_cap", R"({"max":1000})",
       Request("m", {}, {}), true},
      {"unset with require", "max_tokens_cap", R"({"max":1000,"require":true})",
       Request("m", {}, {}), false},
      {"not", "max_tokens_cap", R"({"max":1000,"not":true})",
       Request("m", {}, 10), false},
  };
  for (const RequestRow& row : rows) {
    SCOPED_TRACE(row.name);
    auto g = Build(row.type, row.params);
    ASSERT_NE(g, nullptr);
    GuardrailResult r = g->Check(row.input);
    EXPECT_EQ(r.passed(), row.pass) << r.explanation;
    EXPECT_TRUE(r.failed_messages.empty());
    // Request checks behave the same on the output stage.
    GuardrailInput output = row.input;
    output.stage = Stage::kOutput;
    EXPECT_EQ(g->Check(output).passed(), row.pass);
  }
}

TEST(RequestChecks, BadParams) {
  ExpectLoadError("model_allowlist", R"({})", "params.models");
  ExpectLoadError("model_allowlist", R"({"models":[]})", "params.models");
  ExpectLoadError("model_allowlist", R"({"models":["a"],"roles":["user"]})",
                  "params.roles");  // not a text check
  ExpectLoadError("required_metadata_keys", R"({"keys":[1]})", "params.keys[0]");
  ExpectLoadError("required_metadata_keys",
                  R"({"keys":["a"],"operator":"every"})", "params.operator");
  ExpectLoadError("max_tokens_cap", R"({})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":0})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":"100"})", "params.max");
  ExpectLoadError("max_tokens_cap", R"({"max":100,"require":1})",
                  "params.require");
}

TEST(RequestChecks, Glob) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(GlobMatch("gpt-4o", "gpt-4o"));
  EXPECT_FALSE(GlobMatch("gpt-4o", "gpt-4o-mini"));
}

}  // namespace
}  // namespace across::guardrails::testing
