#include "providers/common/json.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace across::providers {
namespace {

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

template <typename T>
void AppendChars(T v, std::string& out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

json::value NumberToJson(double d, ProtoNumbers numbers) {
  if (numbers == ProtoNumbers::kAsDoubles) return json::value(d);
  if (!std::isfinite(d)) return json::value(nullptr);
  if (std::trunc(d) == d && std::fabs(d) <= kMaxExactInt) {
    return json::value(static_cast<int64_t>(d));
  }
  return json::value(d);
}

}  // namespace

json::value ToJson(const google::protobuf::Value& v, ProtoNumbers numbers) {
  using K = google::protobuf::Value;
  switch (v.kind_case()) {
    case K::kNumberValue:
      return NumberToJson(v.number_value(), numbers);
    case K::kStringValue:
      return json::value(Jv(v.string_value()));
    case K::kBoolValue:
      return json::value(v.bool_value());
    case K::kStructValue:
      return ToJson(v.struct_value(), numbers);
    case K::kListValue: {
      json::array a;
      a.reserve(static_cast<size_t>(v.list_value().values_size()));
      for (const auto& e : v.list_value().values()) {
        a.push_back(ToJson(e, numbers));
      }
      return a;
    }
    default:
      return nullptr;
  }
}

json::object ToJson(const google::protobuf::Struct& s, ProtoNumbers numbers) {
  json::object o;
  o.reserve(static_cast<size_t>(s.fields_size()));
  for (const auto& [k, v] : s.fields()) o[Jv(k)] = ToJson(v, numbers);
  return o;
}

void AppendQuoted(std::string_view s, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + start, i - start);
    start = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

void AppendNumber(int64_t v, std::string& out) { AppendChars(v, out); }

void AppendNumber(uint64_t v, std::string& out) { AppendChars(v, out); }

void AppendNumber(double v, std::string& out) {
  if (!std::isfinite(v)) {  // JSON has no NaN/Infinity
    out += "null";
    return;
  }
  AppendChars(v, out);
}

void AppendNumber(float v, std::string& out) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  AppendChars(v, out);
}

void SerializeTo(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      AppendNumber(v.get_int64(), out);
      return;
    case json::kind::uint64:
      AppendNumber(v.get_uint64(), out);
      return;
    case json::kind::double_:
      AppendNumber(v.get_double(), out);
      return;
    case json::kind::string:
      AppendQuoted(Sv(v.get_string()), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        SerializeTo(e, out);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(std::string_view(kv.key().data(), kv.key().size()), out);
        out += ':';
        SerializeTo(kv.value(), out);
      }
      out += '}';
      return;
    }
  }
}

std::string Serialize(const json::value& v) {
  std::string out;
  SerializeTo(v, out);
  return out;
}

std::optional<json::value> ParseJson(std::string_view text, size_t max_depth) {
  json::parse_options opts;
  opts.max_depth = max_depth;
  boost::system::error_code ec;
  json::value v = json::parse(Jv(text), ec, json::storage_ptr(), opts);
  if (ec) return std::nullopt;
  return v;
}

const json::value* Get(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  return o->if_contains(Jv(key));
}

const json::object* GetObject(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* GetArray(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr ? v->if_array() : nullptr;
}

std::string_view GetString(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  if (v == nullptr || !v->is_string()) return {};
  return Sv(v->get_string());
}

std::optional<int64_t> GetInt(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double())) {
    return static_cast<int64_t>(v->get_double());
  }
  return std::nullopt;
}

std::optional<int64_t> GetWholeInt(const json::object* o,
                                   std::string_view key) {
  const json::value* v = Get(o, key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return std::nullopt;
}

std::optional<int64_t> GetInt64(const json::object* o, std::string_view key) {
  if (std::optional<int64_t> n = GetInt(o, key)) return n;
  std::string_view s = GetString(o, key);
  int64_t n = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (!s.empty() && ec == std::errc() && p == s.data() + s.size()) return n;
  return std::nullopt;
}

int32_t GetCount(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  if (v == nullptr) return 0;
  double d = 0;
  if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else if (v->is_double()) {
    d = v->get_double();
  }
  if (!(d > 0)) return 0;
  if (d >= std::numeric_limits<int32_t>::max()) {
    return std::numeric_limits<int32_t>::max();
  }
  return static_cast<int32_t>(d);
}

bool GetBool(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

bool HasValue(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr && !v->is_null();
}

}  // namespace across::providers
