// JSON helpers for the Anthropic adapter: protobuf Struct → Boost.JSON, a
// serializer that prints numbers the way people write them, and small
// lenient readers for upstream bodies.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace across::anthropic {

namespace json = boost::json;

// A protobuf Value/Struct as JSON (numbers are doubles in protobuf; integral
// ones come back as integers).
json::value ToJson(const google::protobuf::Value& v);
json::object ToJson(const google::protobuf::Struct& s);

// Compact JSON text. Unlike boost::json::serialize, doubles are written in
// their shortest round-trip form ("0.7", not "7E-1") and integral doubles
// as integers, so upstream bodies and golden fixtures stay readable.
std::string Serialize(const json::value& v);

// Parses `text` into *out (nesting up to 64 deep: tool schemas nest);
// false when it is not valid JSON.
bool Parse(std::string_view text, json::value* out);

// Lenient readers: absent or mistyped fields read as empty / zero.
std::string_view Str(const json::object& o, std::string_view key);
const json::object* Obj(const json::object& o, std::string_view key);
const json::array* Arr(const json::object& o, std::string_view key);
// A non-negative integer field clamped to int32; 0 when absent.
int32_t Int32(const json::object& o, std::string_view key);
// True when `key` is present and not null.
bool Has(const json::object& o, std::string_view key);

}  // namespace across::anthropic
