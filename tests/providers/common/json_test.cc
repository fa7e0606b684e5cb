// The shared provider JSON helpers: number and string forms of Serialize,
// protobuf → JSON number handling, parse depth, typed lookups.
#include "providers/common/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace across::providers {
namespace {

google::protobuf::Value Number(double d) {
  google::protobuf::Value v;
  v.set_number_value(d);
  return v;
}

json::object Obj(std::string_view text) { return ParseJson(text)->as_object(); }

TEST(ProvidersJson, SerializeWritesShortestNumbers) {
  EXPECT_EQ(Serialize(json::value(0.7)), "0.7");
  EXPECT_EQ(Serialize(json::value(3.0)), "3");
  EXPECT_EQ(Serialize(json::value(100000.0)), "1e+05");
  EXPECT_EQ(Serialize(json::value(int64_t{-12})), "-12");
  EXPECT_EQ(Serialize(json::value(uint64_t{18446744073709551615u})),
            "18446744073709551615");
  EXPECT_EQ(Serialize(json::value(std::nan(""))), "null");
  EXPECT_EQ(Serialize(json::value(std::numeric_limits<double>::infinity())),
            "null");
  std::string out;
  AppendNumber(0.1f, out);
  EXPECT_EQ(out, "0.1");
}

TEST(ProvidersJson, SerializeEscapesStrings) {
  EXPECT_EQ(Serialize(json::value("a\"b\\c\n\r\t\b\f\x01\x7f/é")),
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\x7f/é\"");
  EXPECT_EQ(Serialize(json::object{{"k\"", json::array{1, true, nullptr}}}),
            R"({"k\"":[1,true,null]})");
}

TEST(ProvidersJson, ProtoNumbers) {
  EXPECT_TRUE(ToJson(Number(3)).is_int64());
  EXPECT_EQ(Serialize(ToJson(Number(100000))), "100000");
  EXPECT_EQ(Serialize(ToJson(Number(9007199254740992.0))), "9007199254740992");
  EXPECT_TRUE(ToJson(Number(0.5)).is_double());
  EXPECT_TRUE(ToJson(Number(std::nan(""))).is_null());
  EXPECT_TRUE(ToJson(Number(3), ProtoNumbers::kAsDoubles).is_double());
  EXPECT_EQ(Serialize(ToJson(Number(100000), ProtoNumbers::kAsDoubles)),
            "1e+05");
}

TEST(ProvidersJson, ParseDepth) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += '[';
  for (int i = 0; i < 40; ++i) deep += ']';
  EXPECT_TRUE(ParseJson(deep).has_value());
  EXPECT_FALSE(ParseJson(deep, kBoostJsonMaxDepth).has_value());
  EXPECT_FALSE(ParseJson("{").has_value());
}

TEST(ProvidersJson, Lookups) {
  const json::object o =
      Obj(R"({"s":"x","n":7,"d":2.9,"neg":-3,"str":"42","big":1e30,"b":true,)"
          R"("z":null,"o":{"a":[1]}})");
  EXPECT_EQ(GetString(&o, "s"), "x");
  EXPECT_EQ(GetString(&o, "n"), "");
  EXPECT_EQ(GetString(nullptr, "s"), "");
  EXPECT_EQ(GetArray(GetObject(&o, "o"), "a")->size(), 1u);
  EXPECT_EQ(GetObject(&o, "s"), nullptr);
  EXPECT_EQ(GetInt(&o, "d"), 2);
  EXPECT_EQ(GetInt(&o, "str"), std::nullopt);
  EXPECT_EQ(GetInt64(&o, "str"), 42);
  EXPECT_EQ(GetWholeInt(&o, "n"), 7);
  EXPECT_EQ(GetWholeInt(&o, "d"), std::nullopt);
  EXPECT_EQ(GetCount(&o, "neg"), 0);
  EXPECT_EQ(GetCount(&o, "d"), 2);
  EXPECT_EQ(GetCount(&o, "big"), std::numeric_limits<int32_t>::max());
  EXPECT_TRUE(GetBool(&o, "b"));
  EXPECT_FALSE(GetBool(&o, "n"));
  EXPECT_TRUE(HasValue(&o, "n"));
  EXPECT_FALSE(HasValue(&o, "z"));
  EXPECT_FALSE(HasValue(&o, "missing"));
}

}  // namespace
}  // namespace across::providers
