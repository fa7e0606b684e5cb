#include "providers/gemini/gemini_json.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

namespace across::gemini {
namespace {

void Quoted(std::string_view s, std::string& out) {
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
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

template <typename T>
void Number(T v, std::string& out) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void SerializeTo(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      Number(v.get_int64(), out);
      return;
    case json::kind::uint64:
      Number(v.get_uint64(), out);
      return;
    case json::kind::double_:
      if (std::isfinite(v.get_double())) {
        Number(v.get_double(), out);
      } else {
        out += "null";  // JSON has no NaN/Infinity
      }
      return;
    case json::kind::string:
      Quoted(Sv(v.get_string()), out);
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
        Quoted(std::string_view(kv.key().data(), kv.key().size()), out);
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

json::value FromProto(const google::protobuf::Value& v) {
  using K = google::protobuf::Value;
  switch (v.kind_case()) {
    case K::kNumberValue:
      return v.number_value();
    case K::kStringValue:
      return json::string(v.string_value());
    case K::kBoolValue:
      return v.bool_value();
    case K::kStructValue:
      return FromProto(v.struct_value());
    case K::kListValue: {
      json::array a;
      a.reserve(static_cast<size_t>(v.list_value().values_size()));
      for (const auto& e : v.list_value().values()) a.push_back(FromProto(e));
      return a;
    }
    default:
      return nullptr;
  }
}

json::object FromProto(const google::protobuf::Struct& s) {
  json::object o;
  o.reserve(static_cast<size_t>(s.fields_size()));
  for (const auto& [k, v] : s.fields()) o[k] = FromProto(v);
  return o;
}

json::value ParseJson(std::string_view text, bool* ok) {
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec);
  *ok = !ec;
  if (ec) return nullptr;
  return v;
}

const json::value* Get(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  return o->if_contains(json::string_view(key.data(), key.size()));
}

const json::object* GetObject(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v == nullptr ? nullptr : v->if_object();
}

const json::array* GetArray(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v == nullptr ? nullptr : v->if_array();
}

std::string_view GetString(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  if (v == nullptr || !v->is_string()) return {};
  return Sv(v->get_string());
}

int64_t GetInt(const json::object* o, std::string_view key, int64_t fallback) {
  const json::value* v = Get(o, key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  if (v->is_string()) {
    std::string_view s = Sv(v->get_string());
    int64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && p == s.data() + s.size()) return n;
  }
  return fallback;
}

bool GetBool(const json::object* o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace across::gemini
