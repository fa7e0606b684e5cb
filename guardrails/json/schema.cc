#include "guardrails/json/schema.h"

#include <re2/re2.h>

#include <boost/json/serialize.hpp>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "guardrails/json/equal.h"
#include "guardrails/pattern_set.h"
#include "guardrails/unicode.h"

namespace across::guardrails::json {

namespace bj = boost::json;

namespace {

enum TypeBit : unsigned {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kNumber = 16,
  kString = 32,
  kInteger = 64,
};

constexpr std::pair<std::string_view, unsigned> kTypeNames[] = {
    {"null", kNull},       {"boolean", kBoolean}, {"object", kObject},
    {"array", kArray},     {"number", kNumber},   {"string", kString},
    {"integer", kInteger},
};

bool IsNumber(const bj::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

bool IsIntegral(const bj::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  if (!v.is_double()) return false;
  const double d = v.get_double();
  return std::isfinite(d) && d == std::floor(d);
}

unsigned TypeOf(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null:
      return kNull;
    case bj::kind::bool_:
      return kBoolean;
    case bj::kind::object:
      return kObject;
    case bj::kind::array:
      return kArray;
    case bj::kind::string:
      return kString;
    default:
      return kNumber | (IsIntegral(v) ? unsigned{kInteger} : 0u);
  }
}

std::string TypeName(const bj::value& v) {
  const unsigned t = TypeOf(v);
  if (t & kInteger) return "integer";
  for (const auto& [name, bit] : kTypeNames) {
    if (t & bit) return std::string(name);
  }
  return "value";
}

std::string TypeList(unsigned mask) {
  std::string out;
  for (const auto& [name, bit] : kTypeNames) {
    if (!(mask & bit)) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out;
}

// JSON pointer token escaping (RFC 6901).
std::string Escape(std::string_view token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Unescape(std::string_view token) {
  std::string out;
  for (size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() &&
        (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[i + 1] == '0' ? '~' : '/';
      ++i;
    } else if (token[i] == '%' && i + 2 < token.size() &&
               std::isxdigit(static_cast<unsigned char>(token[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(token[i + 2]))) {
      // URI fragments percent-encode ("#/$defs/a%20b").
      out += static_cast<char>(
          std::stoi(std::string(token.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += token[i];
    }
  }
  return out;
}

std::string Number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) {
    return std::to_string(static_cast<int64_t>(d));
  }
  std::string s = std::to_string(d);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s;
}

}  // namespace

struct Schema::Node {
  std::optional<bool> boolean;  // a `true` / `false` schema
  unsigned types = 0;           // 0: any
  std::optional<std::vector<bj::value>> enum_values;
  std::optional<bj::value> const_value;
  std::optional<double> minimum, maximum, exclusive_minimum, exclusive_maximum,
      multiple_of;
  std::optional<uint64_t> min_length, max_length;
  std::unique_ptr<RE2> pattern;
  std::vector<std::pair<std::string, int>> properties;
  std::vector<std::pair<std::unique_ptr<RE2>, int>> pattern_properties;
  int additional_properties = -1;
  int property_names = -1;
  std::vector<std::string> required;
  std::vector<std::pair<std::string, std::vector<std::string>>>
      dependent_required;
  std::optional<uint64_t> min_properties, max_properties;
  std::vector<int> prefix_items;
  int items = -1;
  int contains = -1;
  std::optional<uint64_t> min_contains, max_contains;
  std::optional<uint64_t> min_items, max_items;
  bool unique_items = false;
  std::vector<int> all_of, any_of, one_of;
  int not_schema = -1;
  int if_schema = -1, then_schema = -1, else_schema = -1;
  int ref = -1;
};

// Compiles schema documents into nodes. Subschemas are keyed by their JSON
// pointer so a $ref and the place it points to share one node, and a
// recursive $ref finds its (still compiling) target.
class Schema::Compiler {
 public:
  Compiler(const bj::value& root, std::vector<std::unique_ptr<Node>>& nodes)
      : root_(root), nodes_(nodes) {}

  int Compile(const bj::value& v, const std::string& ptr, int depth);
  const SchemaError& error() const { return error_; }

 private:
  bool Fail(const std::string& ptr, std::string message) {
    if (error_.message.empty()) error_ = {ptr, std::move(message)};
    return false;
  }
  bool Keyword(Node& n, std::string_view key, const bj::value& v,
               const std::string& ptr, int depth);
  std::optional<double> NumberAt(const bj::value& v, const std::string& ptr);
  std::optional<uint64_t> CountAt(const bj::value& v, const std::string& ptr);
  bool SchemaList(const bj::value& v, const std::string& ptr, int depth,
                  std::vector<int>* out);
  std::unique_ptr<RE2> Regex(const bj::value& v, const std::string& ptr);
  int Ref(std::string_view ref, const std::string& ptr, int depth);

  const bj::value& root_;
  std::vector<std::unique_ptr<Node>>& nodes_;
  std::map<std::string, int> by_pointer_;
  SchemaError error_;
};

int Schema::Compiler::Compile(const bj::value& v, const std::string& ptr,
                              int depth) {
  if (depth > 64) {
    Fail(ptr, "schema nested too deeply");
    return -1;
  }
  if (auto it = by_pointer_.find(ptr); it != by_pointer_.end()) {
    return it->second;
  }
  const int index = static_cast<int>(nodes_.size());
  nodes_.push_back(std::make_unique<Node>());
  by_pointer_[ptr] = index;
  Node& n = *nodes_[index];
  if (v.is_bool()) {
    n.boolean = v.get_bool();
    return index;
  }
  if (!v.is_object()) {
    Fail(ptr, "a schema must be an object or a boolean");
    return -1;
  }
  const bj::value* additional_items = nullptr;
  for (const auto& kv : v.get_object()) {
    const std::string_view key = kv.key();
    if (key == "additionalItems") {
      additional_items = &kv.value();
      continue;
    }
    if (!Keyword(n, key, kv.value(), ptr + "/" + Escape(key), depth)) {
      return -1;
    }
  }
  if (additional_items != nullptr) {
    // Draft 7 tuple form: additionalItems governs items past the tuple.
    if (n.items >= 0 && !n.prefix_items.empty()) {
      Fail(ptr, "items and additionalItems conflict");
      return -1;
    }
    n.items = Compile(*additional_items, ptr + "/additionalItems", depth + 1);
    if (n.items < 0) return -1;
  }
  return index;
}

std::optional<double> Schema::Compiler::NumberAt(const bj::value& v,
                                                 const std::string& ptr) {
  if (!IsNumber(v)) {
    Fail(ptr, "must be a number");
    return std::nullopt;
  }
  return AsDouble(v);
}

std::optional<uint64_t> Schema::Compiler::CountAt(const bj::value& v,
                                                  const std::string& ptr) {
  if (!IsNumber(v) || !IsIntegral(v) || AsDouble(v) < 0) {
    Fail(ptr, "must be a non-negative integer");
    return std::nullopt;
  }
  return static_cast<uint64_t>(AsDouble(v));
}

bool Schema::Compiler::SchemaList(const bj::value& v, const std::string& ptr,
                                  int depth, std::vector<int>* out) {
  if (!v.is_array() || v.get_array().empty()) {
    return Fail(ptr, "must be a non-empty array of schemas");
  }
  for (size_t i = 0; i < v.get_array().size(); ++i) {
    const int sub =
        Compile(v.get_array()[i], ptr + "/" + std::to_string(i), depth + 1);
    if (sub < 0) return false;
    out->push_back(sub);
  }
  return true;
}

std::unique_ptr<RE2> Schema::Compiler::Regex(const bj::value& v,
                                             const std::string& ptr) {
  if (!v.is_string()) {
    Fail(ptr, "must be a string");
    return nullptr;
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(Piece(v.get_string()), options);
  if (!re->ok()) {
    Fail(ptr, "invalid regex (RE2 syntax): " + re->error());
    return nullptr;
  }
  return re;
}

int Schema::Compiler::Ref(std::string_view ref, const std::string& ptr,
                          int depth) {
  if (ref.empty() || ref[0] != '#' || (ref.size() > 1 && ref[1] != '/')) {
    Fail(ptr, "only local references (\"#\" or \"#/...\") are supported");
    return -1;
  }
  // Walk the pointer through the root document.
  const bj::value* target = &root_;
  std::string canonical;
  std::string_view rest = ref.substr(1);
  while (!rest.empty()) {
    rest.remove_prefix(1);  // '/'
    const size_t slash = rest.find('/');
    const std::string token = Unescape(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? "" : rest.substr(slash);
    canonical += "/" + Escape(token);
    if (target->is_object()) {
      target = target->get_object().if_contains(token);
    } else if (target->is_array()) {
      char* end = nullptr;
      const unsigned long i = std::strtoul(token.c_str(), &end, 10);
      target =
          (!token.empty() && *end == '\0' && i < target->get_array().size())
              ? &target->get_array()[i]
              : nullptr;
    } else {
      target = nullptr;
    }
    if (target == nullptr) {
      Fail(ptr, "unresolved reference \"" + std::string(ref) + "\"");
      return -1;
    }
  }
  return Compile(*target, canonical, depth + 1);
}

bool Schema::Compiler::Keyword(Node& n, std::string_view key,
                               const bj::value& v, const std::string& ptr,
                               int depth) {
  static const std::set<std::string_view> kUnsupported = {
      "unevaluatedProperties", "unevaluatedItems", "$dynamicRef",
      "$recursiveRef",         "dependentSchemas", "dependencies"};
  if (kUnsupported.contains(key)) return Fail(ptr, "keyword not supported");

  auto sub = [&](int* out) {
    *out = Compile(v, ptr, depth + 1);
    return *out >= 0;
  };
  auto number = [&](std::optional<double>* out) {
    *out = NumberAt(v, ptr);
    return out->has_value();
  };
  auto count = [&](std::optional<uint64_t>* out) {
    *out = CountAt(v, ptr);
    return out->has_value();
  };

  if (key == "type") {
    auto add = [&](const bj::value& t) {
      if (t.is_string()) {
        for (const auto& [name, bit] : kTypeNames) {
          if (t.get_string() == name) {
            n.types |= bit;
            return true;
          }
        }
      }
      return Fail(ptr, "unknown type " + bj::serialize(t));
    };
    if (v.is_array()) {
      for (const bj::value& t : v.get_array()) {
        if (!add(t)) return false;
      }
      return true;
    }
    return add(v);
  }
  if (key == "enum") {
    if (!v.is_array()) return Fail(ptr, "must be an array");
    n.enum_values.emplace(v.get_array().begin(), v.get_array().end());
    return true;
  }
  if (key == "const") {
    n.const_value = v;
    return true;
  }
  if (key == "minimum") return number(&n.minimum);
  if (key == "maximum") return number(&n.maximum);
  if (key == "exclusiveMinimum") return number(&n.exclusive_minimum);
  if (key == "exclusiveMaximum") return number(&n.exclusive_maximum);
  if (key == "multipleOf") {
    if (!number(&n.multiple_of)) return false;
    if (*n.multiple_of <= 0) return Fail(ptr, "must be greater than 0");
    return true;
  }
  if (key == "minLength") return count(&n.min_length);
  if (key == "maxLength") return count(&n.max_length);
  if (key == "minItems") return count(&n.min_items);
  if (key == "maxItems") return count(&n.max_items);
  if (key == "minProperties") return count(&n.min_properties);
  if (key == "maxProperties") return count(&n.max_properties);
  if (key == "minContains") return count(&n.min_contains);
  if (key == "maxContains") return count(&n.max_contains);
  if (key == "pattern") {
    n.pattern = Regex(v, ptr);
    return n.pattern != nullptr;
  }
  if (key == "uniqueItems") {
    if (!v.is_bool()) return Fail(ptr, "must be true or false");
    n.unique_items = v.get_bool();
    return true;
  }
  if (key == "required") {
    if (!v.is_array()) return Fail(ptr, "must be an array of strings");
    for (const bj::value& name : v.get_array()) {
      if (!name.is_string()) return Fail(ptr, "must be an array of strings");
      n.required.emplace_back(name.get_string());
    }
    return true;
  }
  if (key == "dependentRequired") {
    if (!v.is_object()) return Fail(ptr, "must be an object");
    for (const auto& kv : v.get_object()) {
      std::vector<std::string> names;
      if (!kv.value().is_array()) return Fail(ptr, "values must be arrays");
      for (const bj::value& name : kv.value().get_array()) {
        if (!name.is_string()) return Fail(ptr, "values must be string arrays");
        names.emplace_back(name.get_string());
      }
      n.dependent_required.emplace_back(std::string(kv.key()),
                                        std::move(names));
    }
    return true;
  }
  if (key == "properties" || key == "patternProperties") {
    if (!v.is_object()) return Fail(ptr, "must be an object of schemas");
    for (const auto& kv : v.get_object()) {
      const std::string at = ptr + "/" + Escape(kv.key());
      const int s = Compile(kv.value(), at, depth + 1);
      if (s < 0) return false;
      if (key == "properties") {
        n.properties.emplace_back(std::string(kv.key()), s);
      } else {
        auto re = Regex(bj::value(kv.key()), at);
        if (re == nullptr) return false;
        n.pattern_properties.emplace_back(std::move(re), s);
      }
    }
    return true;
  }
  if (key == "additionalProperties") return sub(&n.additional_properties);
  if (key == "propertyNames") return sub(&n.property_names);
  if (key == "items") {
    if (v.is_array()) {  // draft 7 tuple form
      return SchemaList(v, ptr, depth, &n.prefix_items);
    }
    return sub(&n.items);
  }
  if (key == "prefixItems") return SchemaList(v, ptr, depth, &n.prefix_items);
  if (key == "contains") return sub(&n.contains);
  if (key == "allOf") return SchemaList(v, ptr, depth, &n.all_of);
  if (key == "anyOf") return SchemaList(v, ptr, depth, &n.any_of);
  if (key == "oneOf") return SchemaList(v, ptr, depth, &n.one_of);
  if (key == "not") return sub(&n.not_schema);
  if (key == "if") return sub(&n.if_schema);
  if (key == "then") return sub(&n.then_schema);
  if (key == "else") return sub(&n.else_schema);
  if (key == "$ref") {
    if (!v.is_string()) return Fail(ptr, "must be a string");
    n.ref = Ref(v.get_string(), ptr, depth);
    return n.ref >= 0;
  }
  if (key == "$defs" || key == "definitions") {
    // Compiled when referenced.
    if (!v.is_object()) return Fail(ptr, "must be an object of schemas");
    return true;
  }
  return true;  // annotations and unknown keywords
}

// Walks an instance against the nodes. `out` null means "answer only", used
// inside anyOf/oneOf/not/if where failures of branches are not errors.
class Schema::Validator {
 public:
  Validator(const std::vector<std::unique_ptr<Node>>& nodes,
            std::vector<SchemaViolation>* out, size_t max)
      : nodes_(nodes), out_(out), max_(max) {}

  bool Check(int index, const bj::value& v, int depth);

 private:
  bool Quiet(int index, const bj::value& v, int depth) {
    Validator quiet(nodes_, nullptr, 0);
    quiet.path_ = path_;
    return quiet.Check(index, v, depth);
  }
  void Report(std::string message) {
    if (out_ != nullptr && out_->size() < max_) {
      out_->push_back({path_, std::move(message)});
    }
  }
  bool CheckNumber(const Node& n, const bj::value& v);
  bool CheckString(const Node& n, const bj::value& v);
  bool CheckArray(const Node& n, const bj::value& v, int depth);
  bool CheckObject(const Node& n, const bj::value& v, int depth);
  bool Child(int index, const bj::value& v, std::string_view token, int depth) {
    const size_t size = path_.size();
    path_ += "/";
    path_ += Escape(token);
    const bool ok = Check(index, v, depth + 1);
    path_.resize(size);
    return ok;
  }

  const std::vector<std::unique_ptr<Node>>& nodes_;
  std::vector<SchemaViolation>* out_;
  size_t max_;
  std::string path_;
};

bool Schema::Validator::Check(int index, const bj::value& v, int depth) {
  if (depth > 256) {
    Report("schema recursion too deep");
    return false;
  }
  const Node& n = *nodes_[index];
  if (n.boolean) {
    if (!*n.boolean) Report("no value is allowed here");
    return *n.boolean;
  }
  bool ok = true;
  // Without a report to fill, the first failure decides.
  auto failed = [&](bool result) {
    if (!result) ok = false;
    return !ok && out_ == nullptr;
  };

  if (n.ref >= 0 && failed(Check(n.ref, v, depth + 1))) return false;
  if (n.types != 0 && !(n.types & TypeOf(v))) {
    Report("expected " + TypeList(n.types) + ", got " + TypeName(v));
    // Type-specific keywords would only add noise.
    return false;
  }
  if (n.enum_values) {
    bool any = false;
    for (const bj::value& e : *n.enum_values) any = any || JsonEqual(e, v);
    if (!any) Report("value is not one of the allowed values");
    if (failed(any)) return false;
  }
  if (n.const_value) {
    const bool equal = JsonEqual(*n.const_value, v);
    if (!equal) Report("value must be " + bj::serialize(*n.const_value));
    if (failed(equal)) return false;
  }
  if (IsNumber(v) && failed(CheckNumber(n, v))) return false;
  if (v.is_string() && failed(CheckString(n, v))) return false;
  if (v.is_array() && failed(CheckArray(n, v, depth))) return false;
  if (v.is_object() && failed(CheckObject(n, v, depth))) return false;

  for (int s : n.all_of) {
    if (failed(Check(s, v, depth + 1))) return false;
  }
  if (!n.any_of.empty()) {
    bool any = false;
    for (int s : n.any_of) any = any || Quiet(s, v, depth + 1);
    if (!any) Report("matches none of anyOf");
    if (failed(any)) return false;
  }
  if (!n.one_of.empty()) {
    int matched = 0;
    for (int s : n.one_of) matched += Quiet(s, v, depth + 1) ? 1 : 0;
    if (matched != 1) {
      Report(matched == 0 ? "matches none of oneOf"
                          : "matches " + std::to_string(matched) +
                                " of oneOf (exactly one required)");
    }
    if (failed(matched == 1)) return false;
  }
  if (n.not_schema >= 0) {
    const bool matched = Quiet(n.not_schema, v, depth + 1);
    if (matched) Report("must not match the \"not\" schema");
    if (failed(!matched)) return false;
  }
  if (n.if_schema >= 0) {
    const int branch =
        Quiet(n.if_schema, v, depth + 1) ? n.then_schema : n.else_schema;
    if (branch >= 0 && failed(Check(branch, v, depth + 1))) return false;
  }
  return ok;
}

bool Schema::Validator::CheckNumber(const Node& n, const bj::value& v) {
  const double d = AsDouble(v);
  bool ok = true;
  auto check = [&](bool good, const std::string& message) {
    if (!good) {
      Report(message);
      ok = false;
    }
  };
  if (n.minimum) check(d >= *n.minimum, "must be >= " + Number(*n.minimum));
  if (n.maximum) check(d <= *n.maximum, "must be <= " + Number(*n.maximum));
  if (n.exclusive_minimum) {
    check(d > *n.exclusive_minimum,
          "must be > " + Number(*n.exclusive_minimum));
  }
  if (n.exclusive_maximum) {
    check(d < *n.exclusive_maximum,
          "must be < " + Number(*n.exclusive_maximum));
  }
  if (n.multiple_of) {
    const double q = d / *n.multiple_of;
    const bool whole =
        std::isfinite(q) &&
        std::fabs(q - std::round(q)) <= 1e-9 * std::max(1.0, std::fabs(q));
    check(whole, "must be a multiple of " + Number(*n.multiple_of));
  }
  return ok;
}

bool Schema::Validator::CheckString(const Node& n, const bj::value& v) {
  const std::string_view s = v.get_string();
  bool ok = true;
  if (n.min_length || n.max_length) {
    const uint64_t len = CountCodePoints(s);
    if (n.min_length && len < *n.min_length) {
      Report("must be at least " + std::to_string(*n.min_length) +
             " characters long");
      ok = false;
    }
    if (n.max_length && len > *n.max_length) {
      Report("must be at most " + std::to_string(*n.max_length) +
             " characters long");
      ok = false;
    }
  }
  if (n.pattern && !RE2::PartialMatch(Piece(s), *n.pattern)) {
    Report("must match pattern /" + n.pattern->pattern() + "/");
    ok = false;
  }
  return ok;
}

bool Schema::Validator::CheckArray(const Node& n, const bj::value& v,
                                   int depth) {
  const bj::array& a = v.get_array();
  bool ok = true;
  auto fail = [&](std::string message) {
    Report(std::move(message));
    ok = false;
    return out_ == nullptr;
  };
  if (n.min_items && a.size() < *n.min_items &&
      fail("must have at least " + std::to_string(*n.min_items) + " items")) {
    return false;
  }
  if (n.max_items && a.size() > *n.max_items &&
      fail("must have at most " + std::to_string(*n.max_items) + " items")) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const int s = i < n.prefix_items.size() ? n.prefix_items[i] : n.items;
    if (s >= 0 && !Child(s, a[i], std::to_string(i), depth)) {
      ok = false;
      if (out_ == nullptr) return false;
    }
  }
  if (n.contains >= 0) {
    uint64_t matches = 0;
    for (const bj::value& item : a)
      matches += Quiet(n.contains, item, depth + 1);
    const uint64_t min = n.min_contains.value_or(1);
    if (matches < min && fail("must contain at least " + std::to_string(min) +
                              " matching item" + (min == 1 ? "" : "s"))) {
      return false;
    }
    if (n.max_contains && matches > *n.max_contains &&
        fail("must contain at most " + std::to_string(*n.max_contains) +
             " matching items")) {
      return false;
    }
  }
  if (n.unique_items) {
    for (size_t i = 0; i < a.size(); ++i) {
      for (size_t j = i + 1; j < a.size(); ++j) {
        if (JsonEqual(a[i], a[j])) {
          fail("items " + std::to_string(i) + " and " + std::to_string(j) +
               " are equal");
          return false;
        }
      }
    }
  }
  return ok;
}

bool Schema::Validator::CheckObject(const Node& n, const bj::value& v,
                                    int depth) {
  const bj::object& o = v.get_object();
  bool ok = true;
  auto fail = [&](std::string message) {
    Report(std::move(message));
    ok = false;
    return out_ == nullptr;
  };
  for (const std::string& name : n.required) {
    if (!o.contains(name) &&
        fail("missing required property \"" + name + "\"")) {
      return false;
    }
  }
  for (const auto& [name, names] : n.dependent_required) {
    if (!o.contains(name)) continue;
    for (const std::string& dep : names) {
      if (!o.contains(dep) &&
          fail("property \"" + dep + "\" is required when \"" + name +
               "\" is present")) {
        return false;
      }
    }
  }
  if (n.min_properties && o.size() < *n.min_properties &&
      fail("must have at least " + std::to_string(*n.min_properties) +
           " properties")) {
    return false;
  }
  if (n.max_properties && o.size() > *n.max_properties &&
      fail("must have at most " + std::to_string(*n.max_properties) +
           " properties")) {
    return false;
  }
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    bool covered = false;
    for (const auto& [name, s] : n.properties) {
      if (name != key) continue;
      covered = true;
      if (!Child(s, kv.value(), key, depth)) {
        ok = false;
        if (out_ == nullptr) return false;
      }
    }
    for (const auto& [re, s] : n.pattern_properties) {
      if (!RE2::PartialMatch(Piece(key), *re)) continue;
      covered = true;
      if (!Child(s, kv.value(), key, depth)) {
        ok = false;
        if (out_ == nullptr) return false;
      }
    }
    if (!covered && n.additional_properties >= 0) {
      // "additionalProperties": false is common enough to deserve a
      // message naming the property rather than "no value is allowed".
      const bool forbidden = nodes_[n.additional_properties]->boolean == false;
      if (forbidden) {
        if (fail("property \"" + std::string(key) + "\" is not allowed")) {
          return false;
        }
      } else if (!Child(n.additional_properties, kv.value(), key, depth)) {
        ok = false;
        if (out_ == nullptr) return false;
      }
    }
    if (n.property_names >= 0 &&
        !Child(n.property_names, bj::value(key), key, depth)) {
      ok = false;
      if (out_ == nullptr) return false;
    }
  }
  return ok;
}

Schema::Schema() = default;
Schema::~Schema() = default;

std::unique_ptr<Schema> Schema::Compile(const bj::value& schema,
                                        SchemaError* error) {
  std::unique_ptr<Schema> out(new Schema());
  Compiler compiler(schema, out->nodes_);
  if (compiler.Compile(schema, "", 0) < 0) {
    *error = compiler.error();
    return nullptr;
  }
  return out;
}

bool Schema::Validate(const bj::value& instance,
                      std::vector<SchemaViolation>* violations,
                      size_t max_violations) const {
  Validator validator(nodes_, violations, max_violations);
  return validator.Check(0, instance, 0);
}

}  // namespace across::guardrails::json
