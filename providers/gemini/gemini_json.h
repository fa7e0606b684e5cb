// JSON plumbing shared by the Gemini codec: a serializer that writes numbers
// in their shortest round-trip form (Boost.JSON would write 0.7 as "7E-1"),
// protobuf Struct/Value → Boost.JSON conversion, and null-safe lookups for
// reading upstream bodies.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace across::gemini {

namespace json = boost::json;

// Compact JSON text of `v`.
std::string Serialize(const json::value& v);
void SerializeTo(const json::value& v, std::string& out);

json::value FromProto(const google::protobuf::Value& v);
json::object FromProto(const google::protobuf::Struct& s);

// Parses `text`; on error returns null and sets *ok to false.
json::value ParseJson(std::string_view text, bool* ok);

inline std::string_view Sv(const json::string& s) {
  return std::string_view(s.data(), s.size());
}

// Member `key` of `o` (nullptr when `o` is null or the key is absent).
const json::value* Get(const json::object* o, std::string_view key);
// Member `key` as an object / array / string; nullptr or "" otherwise.
const json::object* GetObject(const json::object* o, std::string_view key);
const json::array* GetArray(const json::object* o, std::string_view key);
std::string_view GetString(const json::object* o, std::string_view key);
// Member `key` as an integer (JSON integer, or a decimal string, the proto3
// JSON form of int64); `fallback` otherwise.
int64_t GetInt(const json::object* o, std::string_view key,
               int64_t fallback = 0);
bool GetBool(const json::object* o, std::string_view key);

}  // namespace across::gemini
