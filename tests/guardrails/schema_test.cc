// The JSON Schema validator on its own: one row per supported keyword.
#include "guardrails/json/schema.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace across::guardrails::json {
namespace {

struct Case {
  const char* schema;
  const char* instance;
  bool valid;
};

TEST(Schema, Keywords) {
  const Case cases[] = {
      {R"({"type":"string"})", R"("x")", true},
      {R"({"type":"string"})", "1", false},
      {R"({"type":["string","null"]})", "null", true},
      {R"({"type":"integer"})", "1.0", true},
      {R"({"type":"integer"})", "1.5", false},
      {R"({"type":"number"})", "7", true},
      {R"({"enum":[1,"a",null]})", "1.0", true},
      {R"({"enum":[1,"a",null]})", R"("b")", false},
      {R"({"const":{"a":[1,2]}})", R"({"a":[1,2]})", true},
      {R"({"const":{"a":[1,2]}})", R"({"a":[2,1]})", false},
      {R"({"minimum":1,"maximum":3})", "3", true},
      {R"({"exclusiveMaximum":3})", "3", false},
      {R"({"exclusiveMinimum":0})", "0.001", true},
      {R"({"multipleOf":0.1})", "0.3", true},
      {R"({"multipleOf":2})", "7", false},
      {R"({"minLength":2,"maxLength":3})", R"("日本語")", true},
      {R"({"maxLength":2})", R"("日本語")", false},
      {R"({"pattern":"^[a-z]+$"})", R"("abc")", true},
      {R"({"pattern":"\\d"})", R"("abc")", false},
      {R"({"minimum":5})", R"("not a number")", true},
      {R"({"required":["a"],"properties":{"a":{"type":"string"}}})",
       R"({"a":"x"})", true},
      {R"({"required":["a"]})", R"({"b":1})", false},
      {R"({"patternProperties":{"^x-":{"type":"string"}},
           "additionalProperties":false})",
       R"({"x-a":"1"})", true},
      {R"({"patternProperties":{"^x-":{"type":"string"}},
           "additionalProperties":false})",
       R"({"y":"1"})", false},
      {R"({"additionalProperties":{"type":"integer"}})", R"({"a":1,"b":"2"})",
       false},
      {R"({"propertyNames":{"maxLength":3}})", R"({"abcd":1})", false},
      {R"({"minProperties":1,"maxProperties":1})", R"({"a":1})", true},
      {R"({"dependentRequired":{"card":["cvv"]}})", R"({"card":1})", false},
      {R"({"items":{"type":"integer"},"minItems":1,"maxItems":3})", "[1,2]",
       true},
      {R"({"items":{"type":"integer"}})", R"([1,"2"])", false},
      {R"({"prefixItems":[{"type":"string"}],"items":false})", R"(["a"])",
       true},
      {R"({"prefixItems":[{"type":"string"}],"items":false})", R"(["a",1])",
       false},
      {R"({"items":[{"type":"string"}],"additionalItems":false})", R"(["a",1])",
       false},  // draft 7 form
      {R"({"contains":{"const":3}})", "[1,2,3]", true},
      {R"({"contains":{"const":3},"minContains":2})", "[3,1,3]", true},
      {R"({"contains":{"const":3},"maxContains":1})", "[3,3]", false},
      {R"({"uniqueItems":true})", "[1,1.0]", false},
      {R"({"uniqueItems":true})", R"([{"a":1},{"a":2}])", true},
      {R"({"allOf":[{"minimum":1},{"maximum":2}]})", "1.5", true},
      {R"({"anyOf":[{"type":"string"},{"minimum":10}]})", "5", false},
      {R"({"oneOf":[{"minimum":1},{"minimum":2}]})", "3", false},
      {R"({"oneOf":[{"minimum":1},{"minimum":2}]})", "1", true},
      {R"({"not":{"type":"null"}})", "null", false},
      {R"({"if":{"minimum":10},"then":{"multipleOf":5},"else":{"maximum":3}})",
       "15", true},
      {R"({"if":{"minimum":10},"then":{"multipleOf":5},"else":{"maximum":3}})",
       "4", false},
      {R"({"$defs":{"pos":{"minimum":0}},"$ref":"#/$defs/pos"})", "-1", false},
      {R"({"definitions":{"s":{"type":"string"}},
           "properties":{"a":{"$ref":"#/definitions/s"}}})",
       R"({"a":1})", false},
      // Recursive tree.
      {R"({"$defs":{"node":{"type":"object","properties":{
            "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
            "required":["children"]}},
          "$ref":"#/$defs/node"})",
       R"({"children":[{"children":[]},{"children":[{"children":[]}]}]})",
       true},
      {R"({"$defs":{"node":{"type":"object","properties":{
            "children":{"type":"array","items":{"$ref":"#/$defs/node"}}},
            "required":["children"]}},
          "$ref":"#/$defs/node"})",
       R"({"children":[{"kids":[]}]})", false},
      {R"({"title":"x","description":"y","format":"email","$comment":"z"})",
       R"("not an email")", true},  // annotations only
      {"true", "{}", true},
      {"false", "{}", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.schema) + " vs " + c.instance);
    SchemaError error;
    auto schema = Schema::Compile(boost::json::parse(c.schema), &error);
    ASSERT_NE(schema, nullptr) << error.pointer << ": " << error.message;
    std::vector<SchemaViolation> violations;
    EXPECT_EQ(schema->Validate(boost::json::parse(c.instance), &violations),
              c.valid);
    EXPECT_EQ(violations.empty(), c.valid);
    EXPECT_EQ(schema->Validate(boost::json::parse(c.instance)), c.valid);
  }
}

TEST(Schema, SelfReferenceTerminates) {
  SchemaError error;
  auto schema = Schema::Compile(boost::json::parse(R"({"$ref":"#"})"), &error);
  ASSERT_NE(schema, nullptr);
  std::vector<SchemaViolation> violations;
  EXPECT_FALSE(schema->Validate(boost::json::parse("1"), &violations));
  ASSERT_FALSE(violations.empty());
  EXPECT_EQ(violations[0].message, "schema recursion too deep");
}

TEST(Schema, ViolationPaths) {
  SchemaError error;
  auto schema = Schema::Compile(
      boost::json::parse(
          R"({"properties":{"a/b":{"items":{"type":"string"}}}})"),
      &error);
  ASSERT_NE(schema, nullptr);
  std::vector<SchemaViolation> violations;
  EXPECT_FALSE(
      schema->Validate(boost::json::parse(R"({"a/b":["x",2]})"), &violations));
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].instance_path, "/a~1b/1");
  EXPECT_EQ(violations[0].message, "expected string, got integer");
}

TEST(Schema, CompileErrors) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"type":5})", "/type"},
      {R"({"properties":{"a":{"minLength":-1}}})", "/properties/a/minLength"},
      {R"({"anyOf":[]})", "/anyOf"},
      {R"({"$ref":"#/nope"})", "/$ref"},
      {R"({"$ref":"#anchor"})", "/$ref"},
      {R"({"dependentSchemas":{}})", "/dependentSchemas"},
      {R"({"multipleOf":0})", "/multipleOf"},
      {"[]", ""},
  };
  for (const auto& [schema_text, pointer] : cases) {
    SchemaError error;
    EXPECT_EQ(Schema::Compile(boost::json::parse(schema_text), &error), nullptr)
        << schema_text;
    EXPECT_EQ(error.pointer, pointer) << schema_text << ": " << error.message;
  }
}

}  // namespace
}  // namespace across::guardrails::json
