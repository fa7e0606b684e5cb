// JSON helpers shared by the provider adapters: protobuf Struct/Value →
// Boost.JSON, a compact serializer that prints numbers in their shortest
// round-trip form ("0.7", not Boost.JSON's "7E-1"), parsing, and null-safe
// typed lookups for reading upstream bodies.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace across::providers {

namespace json = boost::json;

inline std::string_view Sv(const json::string& s) {
  return std::string_view(s.data(), s.size());
}
inline json::string_view Jv(std::string_view s) {
  return json::string_view(s.data(), s.size());
}

// ---- protobuf → JSON ------------------------------------------------------

// How ToJson carries protobuf numbers, which are always doubles.
enum class ProtoNumbers {
  // Whole numbers up to 2^53 become integers (a JSON Schema's
  // {"maximum": 100000} stays 100000); NaN and infinities become null.
  kWholeAsIntegers,
  // Every number stays a double (Serialize prints 100000 as "1e+05").
  kAsDoubles,
};

json::value ToJson(const google::protobuf::Value& v,
                   ProtoNumbers numbers = ProtoNumbers::kWholeAsIntegers);
json::object ToJson(const google::protobuf::Struct& s,
                    ProtoNumbers numbers = ProtoNumbers::kWholeAsIntegers);

// ---- writing --------------------------------------------------------------

// Compact JSON text of `v`. Doubles are written in their shortest
// round-trip form; NaN and infinities (which JSON lacks) as null.
std::string Serialize(const json::value& v);
void SerializeTo(const json::value& v, std::string& out);

// Pieces of Serialize, for writers that skip the DOM: a quoted, escaped
// string and numbers in the same form.
void AppendQuoted(std::string_view s, std::string& out);
void AppendNumber(int64_t v, std::string& out);
void AppendNumber(uint64_t v, std::string& out);
void AppendNumber(double v, std::string& out);
// Shortest form that round-trips as float32 (embeddings stay compact).
void AppendNumber(float v, std::string& out);

// ---- reading --------------------------------------------------------------

// Nesting accepted by ParseJson unless told otherwise: tool schemas nest
// deeper than Boost.JSON's default of 32.
inline constexpr size_t kMaxJsonDepth = 64;
// Boost.JSON's own default, for callers that have always parsed with it.
inline constexpr size_t kBoostJsonMaxDepth = 32;

// Parses `text`; nullopt when it is not JSON (or nests deeper than
// `max_depth`).
std::optional<json::value> ParseJson(std::string_view text,
                                     size_t max_depth = kMaxJsonDepth);

// Member `key` of `o`; nullptr when `o` is null or the key is absent.
const json::value* Get(const json::object* o, std::string_view key);
// Member `key` as an object / array / string; nullptr or "" when absent or
// of another type.
const json::object* GetObject(const json::object* o, std::string_view key);
const json::array* GetArray(const json::object* o, std::string_view key);
std::string_view GetString(const json::object* o, std::string_view key);
// Member `key` as an integer: a JSON integer, or a finite double
// (truncated); nullopt otherwise.
std::optional<int64_t> GetInt(const json::object* o, std::string_view key);
// Like GetInt, and also a decimal string (the proto3 JSON form of int64).
std::optional<int64_t> GetInt64(const json::object* o, std::string_view key);
// Member `key` as a JSON integer (doubles do not count); nullopt otherwise.
std::optional<int64_t> GetWholeInt(const json::object* o, std::string_view key);
// A count: a positive number truncated and clamped to int32; 0 when absent,
// not a number, or not positive.
int32_t GetCount(const json::object* o, std::string_view key);
// True when member `key` is the boolean true.
bool GetBool(const json::object* o, std::string_view key);
// True when member `key` is present and not null.
bool HasValue(const json::object* o, std::string_view key);

}  // namespace across::providers
