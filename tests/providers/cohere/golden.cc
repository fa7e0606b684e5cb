#include "tests/providers/cohere/golden.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace across::golden {
namespace json = boost::json;

std::string Read(std::string_view path) {
  std::ifstream in{std::string(path), std::ios::binary};
  EXPECT_TRUE(in.good()) << "cannot open fixture " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

json::value Parse(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return v;
}

json::value LoadJson(std::string_view path) {
  json::value v = Parse(Read(path));
  if (v.is_object()) {
    std::vector<json::string> drop;
    for (const auto& kv : v.get_object()) {
      if (!kv.key().empty() && kv.key()[0] == '_') drop.emplace_back(kv.key());
    }
    for (const auto& k : drop) v.get_object().erase(k);
  }
  return v;
}

std::string LoadJsonText(std::string_view path) {
  return json::serialize(LoadJson(path));
}

namespace {

bool IsNumber(const json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

double AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

}  // namespace

void ExpectJsonEq(const json::value& actual, const json::value& expected,
                  const std::string& path) {
  if (IsNumber(actual) && IsNumber(expected)) {
    EXPECT_EQ(AsDouble(actual), AsDouble(expected)) << "at " << path;
    return;
  }
  if (actual.kind() != expected.kind()) {
    ADD_FAILURE() << "at " << path << ": got " << json::serialize(actual)
                  << ", want " << json::serialize(expected);
    return;
  }
  if (expected.is_object()) {
    const json::object& a = actual.get_object();
    const json::object& e = expected.get_object();
    std::set<std::string> keys;
    for (const auto& kv : a) keys.emplace(kv.key());
    for (const auto& kv : e) keys.emplace(kv.key());
    for (const auto& k : keys) {
      const json::value* av = a.if_contains(k);
      const json::value* ev = e.if_contains(k);
      const std::string sub = path + "." + k;
      if (av == nullptr) {
        ADD_FAILURE() << "missing " << sub << " (want " << json::serialize(*ev)
                      << ")";
      } else if (ev == nullptr) {
        ADD_FAILURE() << "unexpected " << sub << " = " << json::serialize(*av);
      } else {
        ExpectJsonEq(*av, *ev, sub);
      }
    }
    return;
  }
  if (expected.is_array()) {
    const json::array& a = actual.get_array();
    const json::array& e = expected.get_array();
    EXPECT_EQ(a.size(), e.size()) << "array length at " << path;
    for (size_t i = 0; i < std::min(a.size(), e.size()); ++i) {
      ExpectJsonEq(a[i], e[i], path + "[" + std::to_string(i) + "]");
    }
    return;
  }
  EXPECT_EQ(json::serialize(actual), json::serialize(expected))
      << "at " << path;
}

}  // namespace across::golden
