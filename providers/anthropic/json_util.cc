#include "providers/anthropic/json_util.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cmath>
#include <limits>

namespace across::anthropic {
namespace {

json::string_view JV(std::string_view s) { return {s.data(), s.size()}; }

void AppendNumber(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Infinity
    out += "null";
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

void Write(const json::value& v, std::string& out) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::string:
      out += json::serialize(v);
      return;
    case json::kind::double_:
      AppendNumber(v.get_double(), out);
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Write(e, out);
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
        out += json::serialize(kv.key());
        out += ':';
        Write(kv.value(), out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

json::value ToJson(const google::protobuf::Value& v) {
  using K = google::protobuf::Value;
  switch (v.kind_case()) {
    case K::kNumberValue: {
      const double d = v.number_value();
      // Integral values (max_tokens, top_k, ...) go out as integers.
      if (std::trunc(d) == d && std::fabs(d) < 9.0e15) {
        return json::value(static_cast<int64_t>(d));
      }
      return json::value(d);
    }
    case K::kStringValue:
      return json::value(JV(v.string_value()));
    case K::kBoolValue:
      return json::value(v.bool_value());
    case K::kStructValue:
      return json::value(ToJson(v.struct_value()));
    case K::kListValue: {
      json::array a;
      a.reserve(static_cast<size_t>(v.list_value().values_size()));
      for (const auto& e : v.list_value().values()) a.push_back(ToJson(e));
      return json::value(std::move(a));
    }
    default:
      return json::value(nullptr);
  }
}

json::object ToJson(const google::protobuf::Struct& s) {
  json::object o;
  o.reserve(static_cast<size_t>(s.fields_size()));
  for (const auto& [k, v] : s.fields()) o[JV(k)] = ToJson(v);
  return o;
}

std::string Serialize(const json::value& v) {
  std::string out;
  Write(v, out);
  return out;
}

bool Parse(std::string_view text, json::value* out) {
  json::parse_options opts;
  opts.max_depth = 64;
  boost::system::error_code ec;
  *out = json::parse(JV(text), ec, json::storage_ptr(), opts);
  return !ec;
}

std::string_view Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JV(key));
  if (v == nullptr || !v->is_string()) return {};
  return {v->get_string().data(), v->get_string().size()};
}

const json::object* Obj(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JV(key));
  return v != nullptr ? v->if_object() : nullptr;
}

const json::array* Arr(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JV(key));
  return v != nullptr ? v->if_array() : nullptr;
}

int32_t Int32(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JV(key));
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

bool Has(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JV(key));
  return v != nullptr && !v->is_null();
}

}  // namespace across::anthropic
