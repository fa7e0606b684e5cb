// Small JSON helpers shared by the Bedrock wire translators: protobuf Struct
// ⇄ boost::json, a compact serializer that prints numbers in their shortest
// round-trip form ("0.7", not boost::json's "7E-1"), and typed field
// lookups.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace across::bedrock {

namespace json = boost::json;

// Struct/Value → JSON. Whole numbers become integers, so a JSON Schema's
// {"maxItems": 3} does not travel as 3.0.
json::value ToJson(const google::protobuf::Value& v);
json::object ToJson(const google::protobuf::Struct& s);

// JSON → Value (for tool arguments and the like).
google::protobuf::Value ToProtoValue(const json::value& v);

// Compact JSON text.
std::string Serialize(const json::value& v);
void SerializeTo(const json::value& v, std::string& out);

// Parses `text`; nullopt when it is not JSON.
std::optional<json::value> ParseJson(std::string_view text);

// Typed lookups; nullptr / "" / nullopt when absent or of another type.
const json::object* ObjectField(const json::object& o, std::string_view key);
const json::array* ArrayField(const json::object& o, std::string_view key);
std::string_view StringField(const json::object& o, std::string_view key);
std::optional<int64_t> IntField(const json::object& o, std::string_view key);

inline std::string_view Sv(const json::string& s) {
  return std::string_view(s.data(), s.size());
}

}  // namespace across::bedrock
