#include "providers/bedrock/json_util.h"

#include <boost/json/parse.hpp>
#include <charconv>
#include <cmath>

namespace across::bedrock {
namespace {

constexpr double kMaxExactInt = 9007199254740992.0;  // 2^53

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
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, sizeof esc);
      }
    }
  }
  out.append(s.data() + start, s.size() - start);
  out += '"';
}

template <typename T>
void Number(T v, std::string& out) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

json::value ToJson(const google::protobuf::Value& v) {
  using K = google::protobuf::Value;
  switch (v.kind_case()) {
    case K::kNumberValue: {
      const double d = v.number_value();
      if (std::isfinite(d) && std::trunc(d) == d &&
          std::fabs(d) <= kMaxExactInt) {
        return json::value(static_cast<int64_t>(d));
      }
      return std::isfinite(d) ? json::value(d) : json::value(nullptr);
    }
    case K::kStringValue:
      return json::value(
          json::string_view(v.string_value().data(), v.string_value().size()));
    case K::kBoolValue:
      return json::value(v.bool_value());
    case K::kStructValue:
      return ToJson(v.struct_value());
    case K::kListValue: {
      json::array a;
      a.reserve(static_cast<size_t>(v.list_value().values_size()));
      for (const auto& e : v.list_value().values()) a.push_back(ToJson(e));
      return a;
    }
    default:
      return nullptr;
  }
}

json::object ToJson(const google::protobuf::Struct& s) {
  json::object o;
  o.reserve(static_cast<size_t>(s.fields_size()));
  for (const auto& [k, v] : s.fields()) {
    o[json::string_view(k.data(), k.size())] = ToJson(v);
  }
  return o;
}

google::protobuf::Value ToProtoValue(const json::value& v) {
  google::protobuf::Value out;
  switch (v.kind()) {
    case json::kind::null:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::kind::bool_:
      out.set_bool_value(v.get_bool());
      break;
    case json::kind::int64:
      out.set_number_value(static_cast<double>(v.get_int64()));
      break;
    case json::kind::uint64:
      out.set_number_value(static_cast<double>(v.get_uint64()));
      break;
    case json::kind::double_:
      out.set_number_value(v.get_double());
      break;
    case json::kind::string:
      out.set_string_value(std::string(Sv(v.get_string())));
      break;
    case json::kind::array: {
      auto* list = out.mutable_list_value();
      for (const auto& e : v.get_array()) *list->add_values() = ToProtoValue(e);
      break;
    }
    case json::kind::object: {
      auto* fields = out.mutable_struct_value()->mutable_fields();
      for (const auto& kv : v.get_object()) {
        (*fields)[std::string(kv.key())] = ToProtoValue(kv.value());
      }
      break;
    }
  }
  return out;
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

std::optional<json::value> ParseJson(std::string_view text) {
  json::parse_options opts;
  opts.max_depth = 64;  // tool schemas nest deeper than the default 32
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(text.data(), text.size()), ec,
                              json::storage_ptr(), opts);
  if (ec) return std::nullopt;
  return v;
}

const json::object* ObjectField(const json::object& o, std::string_view key) {
  const json::value* v =
      o.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* ArrayField(const json::object& o, std::string_view key) {
  const json::value* v =
      o.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr ? v->if_array() : nullptr;
}

std::string_view StringField(const json::object& o, std::string_view key) {
  const json::value* v =
      o.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_string() ? Sv(v->get_string())
                                        : std::string_view();
}

std::optional<int64_t> IntField(const json::object& o, std::string_view key) {
  const json::value* v =
      o.if_contains(json::string_view(key.data(), key.size()));
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double())) {
    return static_cast<int64_t>(v->get_double());
  }
  return std::nullopt;
}

}  // namespace across::bedrock
