// JSON Schema validation, draft 2020-12 core keywords as used in practice
// (Debian ships no C++ validator that speaks 2020-12; valijson 1.0 is
// draft 7 only and needs an adapter for another JSON library).
//
// Supported: type, enum, const; minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, multipleOf; minLength, maxLength (code points),
// pattern (RE2 syntax, unanchored as in the spec); properties,
// patternProperties, additionalProperties, required, propertyNames,
// minProperties, maxProperties, dependentRequired; prefixItems, items,
// contains, minContains, maxContains, minItems, maxItems, uniqueItems;
// allOf, anyOf, oneOf, not, if/then/else; boolean schemas; $ref to "#" or
// a JSON pointer inside the same document ("#/$defs/x", "#/definitions/x"),
// including recursion. Draft 7 "items": [...] / additionalItems are read as
// prefixItems / items.
//
// Ignored as annotations: $schema, $id, $anchor, $comment, title,
// description, default, examples, deprecated, readOnly, writeOnly, format,
// content*; other unknown keywords are ignored too, as the spec requires.
// Rejected at compile time (they would silently validate nothing):
// unevaluatedProperties, unevaluatedItems, $dynamicRef, $recursiveRef,
// dependentSchemas, dependencies, $ref to anything but a local pointer.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

namespace across::guardrails::json {

// Where a schema is broken: a JSON pointer into the schema and the problem.
struct SchemaError {
  std::string pointer;  // "/properties/age/minimum" ("" = root)
  std::string message;  // "must be a number"
};

struct SchemaViolation {
  std::string instance_path;  // JSON pointer into the instance ("" = root)
  std::string message;
};

class Schema {
 public:
  // Null on error, with *error filled.
  static std::unique_ptr<Schema> Compile(const boost::json::value& schema,
                                         SchemaError* error);
  ~Schema();
  Schema(const Schema&) = delete;
  Schema& operator=(const Schema&) = delete;

  // True if `instance` is valid. Up to `max_violations` reasons are added
  // to `violations` when it is not (null: just the answer, faster).
  bool Validate(const boost::json::value& instance,
                std::vector<SchemaViolation>* violations = nullptr,
                size_t max_violations = 8) const;

  struct Node;

 private:
  class Compiler;
  class Validator;
  Schema();
  std::vector<std::unique_ptr<Node>> nodes_;  // [0] is the root
};

}  // namespace across::guardrails::json
