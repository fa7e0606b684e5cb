#include "guardrails/json/equal.h"

#include <cstdint>

namespace across::guardrails::json {

double AsDouble(const boost::json::value& v) {
  if (v.is_double()) return v.get_double();
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  return static_cast<double>(v.get_uint64());
}

namespace {

bool IsNumber(const boost::json::value& v) {
  return v.is_int64() || v.is_uint64() || v.is_double();
}

bool NumbersEqual(const boost::json::value& a, const boost::json::value& b) {
  // Exact when both are integers (doubles lose precision past 2^53).
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  if (a.is_int64() && b.is_uint64()) {
    return a.get_int64() >= 0 &&
           static_cast<uint64_t>(a.get_int64()) == b.get_uint64();
  }
  if (a.is_uint64() && b.is_int64()) return NumbersEqual(b, a);
  return AsDouble(a) == AsDouble(b);
}

}  // namespace

bool JsonEqual(const boost::json::value& a, const boost::json::value& b) {
  if (IsNumber(a) && IsNumber(b)) return NumbersEqual(a, b);
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!JsonEqual(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const boost::json::value* other = y.if_contains(kv.key());
      if (other == nullptr || !JsonEqual(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

}  // namespace across::guardrails::json
