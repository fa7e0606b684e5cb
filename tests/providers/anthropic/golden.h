// Test helpers for the golden fixtures beside this file: loading them from
// the runfiles tree and comparing JSON field by field, so a failure names
// the exact path that differs ("messages[2].content[0].type").
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace across::anthropic::testing {

namespace json = boost::json;

// Bazel runs tests from the workspace root of the runfiles tree.
inline std::string ReadFixture(std::string_view name) {
  const std::string path =
      "tests/providers/anthropic/fixtures/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline json::value LoadJson(std::string_view name) {
  return json::parse(ReadFixture(name));
}

inline bool IsNumber(const json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

inline double AsDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

// Appends one line per difference between `want` and `got`.
inline void Diff(const json::value& want, const json::value& got,
                 const std::string& path, std::vector<std::string>* out) {
  if (IsNumber(want) && IsNumber(got)) {
    if (AsDouble(want) != AsDouble(got)) {
      out->push_back(path + ": want " + json::serialize(want) + ", got " +
                     json::serialize(got));
    }
    return;
  }
  if (want.kind() != got.kind()) {
    out->push_back(path + ": want " + json::serialize(want) + ", got " +
                   json::serialize(got));
    return;
  }
  if (want.is_object()) {
    const json::object& w = want.get_object();
    const json::object& g = got.get_object();
    for (const auto& kv : w) {
      const std::string p = path + "." + std::string(kv.key());
      if (const json::value* gv = g.if_contains(kv.key())) {
        Diff(kv.value(), *gv, p, out);
      } else {
        out->push_back(p + ": missing (want " + json::serialize(kv.value()) +
                       ")");
      }
    }
    for (const auto& kv : g) {
      if (!w.contains(kv.key())) {
        out->push_back(path + "." + std::string(kv.key()) +
                       ": unexpected (got " + json::serialize(kv.value()) +
                       ")");
      }
    }
    return;
  }
  if (want.is_array()) {
    const json::array& w = want.get_array();
    const json::array& g = got.get_array();
    if (w.size() != g.size()) {
      out->push_back(path + ": want " + std::to_string(w.size()) +
                     " elements, got " + std::to_string(g.size()) + ": " +
                     json::serialize(got));
    }
    for (size_t i = 0; i < w.size() && i < g.size(); ++i) {
      Diff(w[i], g[i], path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (want != got) {
    out->push_back(path + ": want " + json::serialize(want) + ", got " +
                   json::serialize(got));
  }
}

inline ::testing::AssertionResult JsonEq(const json::value& want,
                                         const json::value& got) {
  std::vector<std::string> diffs;
  Diff(want, got, "$", &diffs);
  if (diffs.empty()) return ::testing::AssertionSuccess();
  auto r = ::testing::AssertionFailure();
  for (const auto& d : diffs) r << "\n  " << d;
  return r;
}

// `v` without the top-level `key` (e.g. "created": Anthropic sends no
// timestamp, so the gateway stamps its own).
inline json::value Without(json::value v, std::string_view key) {
  if (v.is_object()) v.get_object().erase(key);
  return v;
}

}  // namespace across::anthropic::testing
