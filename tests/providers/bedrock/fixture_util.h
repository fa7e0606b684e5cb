// Helpers for the Bedrock golden-fixture tests: reading fixture files from
// the runfiles, proto3-JSON ⇄ message, and a field-by-field JSON comparison
// that names the path of every difference.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace across::bedrock::testing {

namespace json = boost::json;

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline json::value Fixture(const std::string& name) {
  return json::parse(ReadFile("tests/providers/bedrock/fixtures/" + name));
}

// A message from its proto3 JSON form (field names or jsonNames).
template <typename M>
M FromJson(const json::value& v) {
  M m;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json::serialize(v), &m);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json::serialize(v);
  return m;
}

inline void ExpectProtoEq(const google::protobuf::Message& actual,
                          const google::protobuf::Message& expected) {
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(actual, expected))
      << "actual:\n"
      << actual.DebugString() << "expected:\n"
      << expected.DebugString();
}

// Numbers compare by value whatever their JSON kind (1 == 1.0).
inline bool NumberOf(const json::value& v, double& out) {
  if (v.is_int64())
    out = static_cast<double>(v.get_int64());
  else if (v.is_uint64())
    out = static_cast<double>(v.get_uint64());
  else if (v.is_double())
    out = v.get_double();
  else
    return false;
  return true;
}

// Walks both documents, reporting each field that differs by its path
// ("messages[2].content[0].toolResult.toolUseId"), and each field missing
// or unexpected.
inline void ExpectJsonEq(const json::value& actual, const json::value& expected,
                         const std::string& path = "$") {
  double a = 0, e = 0;
  if (NumberOf(actual, a) && NumberOf(expected, e)) {
    EXPECT_EQ(a, e) << "at " << path;
    return;
  }
  if (actual.kind() != expected.kind()) {
    ADD_FAILURE() << "at " << path << ": got " << json::serialize(actual)
                  << ", want " << json::serialize(expected);
    return;
  }
  if (expected.is_object()) {
    const auto& ao = actual.get_object();
    const auto& eo = expected.get_object();
    for (const auto& kv : eo) {
      const std::string sub = path + "." + std::string(kv.key());
      const json::value* av = ao.if_contains(kv.key());
      if (av == nullptr) {
        ADD_FAILURE() << "missing " << sub << " (want "
                      << json::serialize(kv.value()) << ")";
        continue;
      }
      ExpectJsonEq(*av, kv.value(), sub);
    }
    for (const auto& kv : ao) {
      if (!eo.contains(kv.key())) {
        ADD_FAILURE() << "unexpected " << path << "." << std::string(kv.key())
                      << " = " << json::serialize(kv.value());
      }
    }
    return;
  }
  if (expected.is_array()) {
    const auto& aa = actual.get_array();
    const auto& ea = expected.get_array();
    EXPECT_EQ(aa.size(), ea.size()) << "length of " << path;
    for (size_t i = 0; i < aa.size() && i < ea.size(); ++i) {
      ExpectJsonEq(aa[i], ea[i], path + "[" + std::to_string(i) + "]");
    }
    return;
  }
  EXPECT_EQ(json::serialize(actual), json::serialize(expected))
      << "at " << path;
}

}  // namespace across::bedrock::testing
