#include <gtest/gtest.h>

#include "guardrails/json/extract.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

constexpr char kPerson[] = R"({"schema":{
  "type":"object",
  "properties":{
    "name":{"type":"string","minLength":1},
    "age":{"type":"integer","minimum":0}
  },
  "required":["name"],
  "additionalProperties":false}})";

TEST(JsonSchemaCheck, Table) {
  std::string long_json = R"({"name":")" + std::string(1 << 20, 'x') + R"("})";
  RunTable(
      "json_schema",
      {
          {"valid whole text", kPerson, R"({"name":"Ada","age":36})", true},
          {"valid in fenced block", kPerson,
           "Here you go:\n```json\n{\"name\": \"Ada\"}\n```\nAnything else?",
           true},
          {"valid embedded", kPerson, "Result: {\"name\": \"Ada\"} done.",
           true},
          {"missing required", kPerson, R"({"age":36})", false},
          {"wrong type", kPerson, R"({"name":"Ada","age":"36"})", false},
          {"additional property", kPerson, R"({"name":"Ada","email":"a@b.c"})",
           false},
          {"no json", kPerson, "I cannot do that.", false},
          {"empty text", kPerson, "", false},
          {"not: invalid passes", R"({"schema":{"type":"array"},"not":true})",
           R"({"a":1})", true},
          {"unicode", kPerson, R"({"name":"Zoë 日本"})", true},
          {"bare number with boolean schema", R"({"schema":true})", "42", true},
          {"false schema", R"({"schema":false})", "42", false},
          {"very long", kPerson, long_json, true},
      });
}

TEST(JsonSchemaCheck, ExplanationNamesPath) {
  auto g = Build("json_schema", kPerson);
  GuardrailResult r = CheckOutput(*g, R"({"name":"","age":-1})");
  EXPECT_FALSE(r.passed());
  EXPECT_NE(r.explanation.find("/name: must be at least 1 characters long"),
            std::string::npos)
      << r.explanation;
  EXPECT_NE(r.explanation.find("/age: must be >= 0"), std::string::npos)
      << r.explanation;
}

TEST(JsonSchemaCheck, BadParams) {
  ExpectLoadError("json_schema", R"({})", "params.schema");
  ExpectLoadError("json_schema", R"({"schema":"object"})", "params.schema");
  ExpectLoadError("json_schema",
                  R"x({"schema":{"properties":{"a":{"pattern":"(?=x)"}}}})x",
                  "params.schema/properties/a/pattern");
  ExpectLoadError("json_schema", R"({"schema":{"type":"text"}})",
                  "params.schema/type");
  ExpectLoadError("json_schema", R"({"schema":{"$ref":"#/$defs/missing"}})",
                  "params.schema/$ref");
  ExpectLoadError("json_schema",
                  R"({"schema":{"$ref":"https://example.com/s.json"}})",
                  "params.schema/$ref");
  ExpectLoadError("json_schema",
                  R"({"schema":{"unevaluatedProperties":false}})",
                  "params.schema/unevaluatedProperties");
  ExpectLoadError("json_schema", R"({"schema":{"minimum":"0"}})",
                  "params.schema/minimum");
}

TEST(ExtractJson, Sources) {
  EXPECT_EQ(json::ExtractJson(" [1,2] ")->source, "text");
  EXPECT_EQ(json::ExtractJson("x\n```\n{\"a\":1}\n```")->source,
            "fenced block");
  EXPECT_EQ(json::ExtractJson("see {\"a\": \"}\"} ok")->source, "embedded");
  EXPECT_EQ(json::ExtractJson("see {\"a\": \"}\"} ok")->value.at("a"), "}");
  EXPECT_FALSE(json::ExtractJson("{not json} [nor this"));
  // Skips a fenced block in another language.
  auto v = json::ExtractJson("```python\n{1: 2}\n```\n```json\n{\"b\":2}\n```");
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->value.as_object().contains("b"));
}

}  // namespace
}  // namespace across::guardrails::testing
