#include "providers/gemini/gemini_schema.h"

#include <string_view>

#include "providers/common/json.h"

namespace across::gemini {

namespace json = boost::json;
using providers::Get;
using providers::GetArray;
using providers::GetObject;
using providers::GetString;

namespace {

// Nested schemas (and $ref chains) deeper than this are cut off: it bounds
// recursive definitions.
constexpr int kMaxDepth = 24;

// Copied as they are.
constexpr std::string_view kScalarKeys[] = {
    "title",         "description", "nullable",        "example",
    "default",       "minItems",    "maxItems",        "minProperties",
    "maxProperties", "minLength",   "maxLength",       "pattern",
    "minimum",       "maximum",     "propertyOrdering"};

bool FormatSupported(std::string_view type, std::string_view format) {
  if (type == "string" || type == "STRING") {
    return format == "enum" || format == "date-time";
  }
  if (type == "integer" || type == "INTEGER") {
    return format == "int32" || format == "int64";
  }
  if (type == "number" || type == "NUMBER") {
    return format == "float" || format == "double";
  }
  return false;
}

bool IsNullSchema(const json::value& v) {
  const json::object* o = v.if_object();
  return o != nullptr && o->size() == 1 && GetString(o, "type") == "null";
}

class Sanitizer {
 public:
  explicit Sanitizer(const json::object& root) {
    defs_ = GetObject(&root, "$defs");
    if (defs_ == nullptr) defs_ = GetObject(&root, "definitions");
  }

  json::object Walk(const json::object& in, int depth) {
    json::object out;
    if (depth > kMaxDepth) return out;
    if (std::string_view ref = GetString(&in, "$ref"); !ref.empty()) {
      out = Resolve(ref, depth);
      // Sibling annotations of a $ref describe this use of it.
      if (const json::value* d = Get(&in, "description")) {
        out["description"] = *d;
      }
      return out;
    }
    for (std::string_view key : kScalarKeys) {
      if (const json::value* v = Get(&in, key)) out[key] = *v;
    }
    Type(in, out);
    Unions(in, out, depth);
    if (const json::value* c = Get(&in, "const");
        c != nullptr && c->is_string()) {
      out["enum"] = json::array{*c};
    }
    if (const json::array* e = GetArray(&in, "enum")) {
      bool strings = true;
      for (const auto& v : *e) strings = strings && v.is_string();
      if (strings) out["enum"] = *e;
    }
    // Gemini enums are strings; a bare enum/const needs the type spelled out.
    if (out.contains("enum") && !out.contains("type") &&
        !out.contains("anyOf")) {
      out["type"] = "string";
    }
    std::string_view format = GetString(&in, "format");
    if (!format.empty() && FormatSupported(GetString(&out, "type"), format)) {
      out["format"] = json::string(format);
    }
    if (const json::object* props = GetObject(&in, "properties")) {
      json::object p;
      for (const auto& kv : *props) {
        if (const json::object* s = kv.value().if_object()) {
          p[kv.key()] = Walk(*s, depth + 1);
        }
      }
      if (const json::array* req = GetArray(&in, "required")) {
        json::array r;
        for (const auto& name : *req) {
          if (name.is_string() && p.contains(name.get_string())) {
            r.push_back(name);
          }
        }
        if (!r.empty()) out["required"] = std::move(r);
      }
      out["properties"] = std::move(p);
    }
    if (const json::value* items = Get(&in, "items")) {
      if (const json::object* s = items->if_object()) {
        out["items"] = Walk(*s, depth + 1);
      } else if (const json::array* tuple = items->if_array();
                 tuple != nullptr && !tuple->empty() &&
                 tuple->front().is_object()) {
        out["items"] = Walk(tuple->front().get_object(), depth + 1);
      }
    }
    return out;
  }

 private:
  json::object Resolve(std::string_view ref, int depth) {
    for (std::string_view prefix : {"#/$defs/", "#/definitions/"}) {
      if (defs_ != nullptr && ref.substr(0, prefix.size()) == prefix) {
        if (const json::object* def =
                GetObject(defs_, ref.substr(prefix.size()))) {
          return Walk(*def, depth + 1);
        }
      }
    }
    return {};  // a reference Gemini could not follow either
  }

  // "type": "x" or ["x", "null"].
  static void Type(const json::object& in, json::object& out) {
    const json::value* t = Get(&in, "type");
    if (t == nullptr) return;
    if (t->is_string()) {
      out["type"] = *t;
      return;
    }
    const json::array* types = t->if_array();
    if (types == nullptr) return;
    json::array kinds;
    for (const auto& k : *types) {
      if (!k.is_string()) continue;
      if (k.get_string() == "null") {
        out["nullable"] = true;
      } else {
        kinds.push_back(k);
      }
    }
    if (kinds.size() == 1) {
      out["type"] = kinds.front();
    } else if (kinds.size() > 1) {
      json::array any;
      for (const auto& k : kinds) any.push_back(json::object{{"type", k}});
      out["anyOf"] = std::move(any);
    }
  }

  void Unions(const json::object& in, json::object& out, int depth) {
    json::array branches;
    for (std::string_view key : {"anyOf", "oneOf"}) {
      const json::array* list = GetArray(&in, key);
      if (list == nullptr) continue;
      for (const auto& b : *list) {
        if (IsNullSchema(b)) {
          out["nullable"] = true;
        } else if (const json::object* s = b.if_object()) {
          branches.push_back(Walk(*s, depth + 1));
        }
      }
    }
    if (const json::array* all = GetArray(&in, "allOf");
        all != nullptr && all->size() == 1 && all->front().is_object()) {
      branches.push_back(Walk(all->front().get_object(), depth + 1));
    }
    if (branches.size() == 1) {
      // Inline: {"anyOf": [X, null]} is just a nullable X.
      for (auto& kv : branches.front().get_object()) {
        if (!out.contains(kv.key())) out[kv.key()] = std::move(kv.value());
      }
    } else if (branches.size() > 1) {
      out["anyOf"] = std::move(branches);
    }
  }

  const json::object* defs_ = nullptr;
};

}  // namespace

json::object SanitizeSchema(const json::object& schema) {
  Sanitizer s(schema);
  return s.Walk(schema, 0);
}

}  // namespace across::gemini
