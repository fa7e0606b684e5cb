// JSON Schema → Gemini Schema rewriting (beyond the fixture cases).
#include "providers/gemini/gemini_schema.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace across::gemini {
namespace {

namespace json = boost::json;

json::object S(std::string_view text) {
  return json::parse(json::string_view(text.data(), text.size())).as_object();
}

void Expect(std::string_view in, std::string_view want) {
  EXPECT_EQ(json::value(SanitizeSchema(S(in))), json::parse(want))
      << in << "\n -> " << json::serialize(SanitizeSchema(S(in)));
}

TEST(GeminiSchema, DropsUnknownKeys) {
  Expect(R"({"type":"object","additionalProperties":false,"$id":"x",
             "properties":{"a":{"type":"string","examples":["q"]}}})",
         R"({"type":"object","properties":{"a":{"type":"string"}}})");
}

TEST(GeminiSchema, NullableForms) {
  Expect(R"({"type":["integer","null"]})",
         R"({"type":"integer","nullable":true})");
  Expect(R"({"oneOf":[{"type":"null"},{"type":"string","description":"d"}]})",
         R"({"type":"string","description":"d","nullable":true})");
  Expect(R"({"anyOf":[{"type":"string"},{"type":"integer"}]})",
         R"({"anyOf":[{"type":"string"},{"type":"integer"}]})");
  Expect(R"({"type":["string","number"]})",
         R"({"anyOf":[{"type":"string"},{"type":"number"}]})");
}

TEST(GeminiSchema, EnumsAndFormats) {
  Expect(R"({"enum":[1,2]})", R"({})");
  Expect(R"({"type":"string","enum":["a"],"format":"email"})",
         R"({"type":"string","enum":["a"]})");
  Expect(R"({"type":"number","format":"double"})",
         R"({"type":"number","format":"double"})");
}

TEST(GeminiSchema, RefsAndDepth) {
  Expect(
      R"({"definitions":{"N":{"type":"integer"}},
             "type":"object","properties":{"n":{"$ref":"#/definitions/N","description":"count"}}})",
      R"({"type":"object","properties":{"n":{"type":"integer","description":"count"}}})");
  Expect(R"({"$ref":"#/$defs/Missing"})", R"({})");
  // A self-referential schema is cut off instead of recursing forever.
  json::object tree = SanitizeSchema(S(R"({"$defs":{"T":{"type":"object",
      "properties":{"kids":{"type":"array","items":{"$ref":"#/$defs/T"}}}}},
      "$ref":"#/$defs/T"})"));
  EXPECT_EQ(tree.at("type"), "object");
}

TEST(GeminiSchema, TupleItemsAndAllOf) {
  Expect(R"({"type":"array","items":[{"type":"string"},{"type":"integer"}]})",
         R"({"type":"array","items":{"type":"string"}})");
  Expect(R"({"allOf":[{"type":"string","minLength":2}]})",
         R"({"type":"string","minLength":2})");
}

}  // namespace
}  // namespace across::gemini
