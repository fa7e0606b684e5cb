#include "gateway/routing/condition.h"

#include <re2/re2.h>

#include <cstdlib>
#include <optional>
#include <vector>

namespace across::routing {

namespace json = boost::json;

enum class Op { kEq, kNe, kGt, kGte, kLt, kLte, kIn, kNin, kRegex };

struct Condition::Node {
  enum class Kind { kAnd, kOr, kTest } kind = Kind::kTest;
  std::vector<Node> children;  // kAnd / kOr
  // kTest
  std::vector<std::string> path;
  Op op = Op::kEq;
  json::value operand;
  std::shared_ptr<const re2::RE2> regex;
};

namespace {

using Node = Condition::Node;

Error QueryError(const std::string& field, const std::string& reason) {
  return Error::InvalidRequest(field + ": " + reason, field);
}

std::optional<Op> ParseOp(std::string_view name) {
  static const std::pair<std::string_view, Op> kOps[] = {
      {"$eq", Op::kEq},   {"$ne", Op::kNe},   {"$gt", Op::kGt},
      {"$gte", Op::kGte}, {"$lt", Op::kLt},   {"$lte", Op::kLte},
      {"$in", Op::kIn},   {"$nin", Op::kNin}, {"$regex", Op::kRegex}};
  for (const auto& [n, op] : kOps) {
    if (n == name) return op;
  }
  return std::nullopt;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

Result<Node> CompileQuery(const json::value& query, const std::string& field);

Result<Node> CompileTest(std::string_view key, std::string_view op_name,
                         const json::value& operand, const std::string& field) {
  auto op = ParseOp(op_name);
  if (!op) {
    return QueryError(field, "unknown operator \"" + std::string(op_name) +
                                 "\" (expected $eq, $ne, $gt, $gte, $lt, "
                                 "$lte, $in, $nin, $regex)");
  }
  Node n;
  n.kind = Node::Kind::kTest;
  n.path = SplitPath(key);
  for (const auto& part : n.path) {
    if (part.empty()) return QueryError(field, "empty segment in field path");
  }
  n.op = *op;
  n.operand = operand;
  switch (*op) {
    case Op::kIn:
    case Op::kNin:
      if (!operand.is_array()) return QueryError(field, "must be an array");
      break;
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte:
      if (!operand.is_number() && !operand.is_string()) {
        return QueryError(field, "must be a number or a string");
      }
      break;
    case Op::kRegex: {
      if (!operand.is_string()) return QueryError(field, "must be a string");
      re2::RE2::Options options;
      options.set_log_errors(false);
      const auto& s = operand.get_string();
      auto re = std::make_shared<re2::RE2>(re2::StringPiece(s.data(), s.size()),
                                           options);
      if (!re->ok()) {
        return QueryError(field, "invalid regular expression: " + re->error());
      }
      n.regex = std::move(re);
      break;
    }
    default:
      break;
  }
  return n;
}

Result<Node> CompileCombinator(Node::Kind kind, const json::value& v,
                               const std::string& field) {
  if (!v.is_array() || v.get_array().empty()) {
    return QueryError(field, "must be a non-empty array of queries");
  }
  Node n;
  n.kind = kind;
  const auto& items = v.get_array();
  for (size_t i = 0; i < items.size(); ++i) {
    auto child = CompileQuery(items[i], field + "[" + std::to_string(i) + "]");
    if (!child.ok()) return child.error();
    n.children.push_back(std::move(*child));
  }
  return n;
}

Result<Node> CompileQuery(const json::value& query, const std::string& field) {
  if (!query.is_object()) return QueryError(field, "must be an object");
  const auto& obj = query.get_object();
  if (obj.empty()) return QueryError(field, "must not be empty");
  Node all;
  all.kind = Node::Kind::kAnd;
  for (const auto& kv : obj) {
    const std::string key(kv.key());
    const std::string sub = field + "." + key;
    if (key == "$and" || key == "$or") {
      auto n = CompileCombinator(
          key == "$and" ? Node::Kind::kAnd : Node::Kind::kOr, kv.value(), sub);
      if (!n.ok()) return n.error();
      all.children.push_back(std::move(*n));
      continue;
    }
    if (!key.empty() && key[0] == '$') {
      return QueryError(sub, "unknown operator \"" + key +
                                 "\" at this level (expected $and, $or or a "
                                 "field path)");
    }
    const json::value& test = kv.value();
    bool has_ops = false;
    if (test.is_object() && !test.get_object().empty()) {
      const auto& ops = test.get_object();
      size_t dollar = 0;
      for (const auto& op : ops)
        dollar += !op.key().empty() && op.key()[0] == '$';
      if (dollar != 0 && dollar != ops.size()) {
        return QueryError(sub, "mixes operators and plain keys");
      }
      has_ops = dollar != 0;
    }
    if (!has_ops) {  // shorthand: {"field": value} means $eq
      auto n = CompileTest(key, "$eq", test, sub);
      if (!n.ok()) return n.error();
      all.children.push_back(std::move(*n));
      continue;
    }
    for (const auto& op : test.get_object()) {
      auto n = CompileTest(key, op.key(), op.value(),
                           sub + "." + std::string(op.key()));
      if (!n.ok()) return n.error();
      all.children.push_back(std::move(*n));
    }
  }
  if (all.children.size() == 1) return std::move(all.children[0]);
  return all;
}

const json::value* Lookup(const json::object& facts,
                          const std::vector<std::string>& path) {
  const json::value* cur = nullptr;
  const json::object* obj = &facts;
  for (size_t i = 0; i < path.size(); ++i) {
    if (obj != nullptr) {
      auto it = obj->find(path[i]);
      if (it == obj->end()) return nullptr;
      cur = &it->value();
    } else if (cur != nullptr && cur->is_array()) {
      char* end = nullptr;
      const unsigned long idx = std::strtoul(path[i].c_str(), &end, 10);
      if (end == path[i].c_str() || *end != '\0' ||
          idx >= cur->get_array().size()) {
        return nullptr;
      }
      cur = &cur->get_array()[idx];
    } else {
      return nullptr;
    }
    obj = cur->is_object() ? &cur->get_object() : nullptr;
  }
  return cur;
}

std::optional<double> NativeNumber(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

std::optional<double> NumericString(const json::value& v) {
  if (!v.is_string() || v.get_string().empty()) return std::nullopt;
  const std::string s(v.get_string());
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

// Numbers of both sides when at least one is a JSON number and the other is
// a number or holds one.
std::optional<std::pair<double, double>> Numbers(const json::value& a,
                                                 const json::value& b) {
  auto na = NativeNumber(a), nb = NativeNumber(b);
  if (!na && !nb) return std::nullopt;
  if (!na) na = NumericString(a);
  if (!nb) nb = NumericString(b);
  if (!na || !nb) return std::nullopt;
  return std::make_pair(*na, *nb);
}

bool ScalarEqual(const json::value& a, const json::value& b) {
  if (auto n = Numbers(a, b)) return n->first == n->second;
  if (a.is_string() && b.is_string()) return a.get_string() == b.get_string();
  return a == b;
}

// Arrays in the request match when any element does (MongoDB semantics).
bool Equal(const json::value& field, const json::value& operand) {
  if (field.is_array() && !operand.is_array()) {
    for (const auto& item : field.get_array()) {
      if (ScalarEqual(item, operand)) return true;
    }
    return false;
  }
  return ScalarEqual(field, operand);
}

std::optional<int> Compare(const json::value& a, const json::value& b) {
  if (auto n = Numbers(a, b)) {
    return n->first < n->second ? -1 : (n->first > n->second ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get_string().subview().compare(b.get_string().subview());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

bool In(const json::value& field, const json::value& operand) {
  for (const auto& candidate : operand.get_array()) {
    if (Equal(field, candidate)) return true;
  }
  return false;
}

bool Evaluate(const Node& n, const json::object& facts) {
  switch (n.kind) {
    case Node::Kind::kAnd:
      for (const auto& c : n.children) {
        if (!Evaluate(c, facts)) return false;
      }
      return true;
    case Node::Kind::kOr:
      for (const auto& c : n.children) {
        if (Evaluate(c, facts)) return true;
      }
      return false;
    case Node::Kind::kTest:
      break;
  }
  const json::value* v = Lookup(facts, n.path);
  if (v == nullptr) return n.op == Op::kNe || n.op == Op::kNin;
  switch (n.op) {
    case Op::kEq:
      return Equal(*v, n.operand);
    case Op::kNe:
      return !Equal(*v, n.operand);
    case Op::kGt:
    case Op::kGte:
    case Op::kLt:
    case Op::kLte: {
      auto c = Compare(*v, n.operand);
      if (!c) return false;
      if (n.op == Op::kGt) return *c > 0;
      if (n.op == Op::kGte) return *c >= 0;
      if (n.op == Op::kLt) return *c < 0;
      return *c <= 0;
    }
    case Op::kIn:
      return In(*v, n.operand);
    case Op::kNin:
      return !In(*v, n.operand);
    case Op::kRegex: {
      if (!v->is_string()) return false;
      const auto& s = v->get_string();
      return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()),
                                    *n.regex);
    }
  }
  return false;
}

}  // namespace

Result<Condition> Condition::Compile(const json::value& query,
                                     const std::string& field) {
  auto root = CompileQuery(query, field);
  if (!root.ok()) return root.error();
  Condition c;
  c.root_ = std::make_shared<const Node>(std::move(*root));
  return c;
}

bool Condition::Matches(const json::object& facts) const {
  return root_ != nullptr && Evaluate(*root_, facts);
}

}  // namespace across::routing
