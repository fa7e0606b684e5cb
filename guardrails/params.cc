#include "guardrails/params.h"

#include <cmath>

namespace across::guardrails {

ParamReader::ParamReader(std::string guardrail_id,
                         const boost::json::object& params)
    : id_(std::move(guardrail_id)), params_(params) {}

bool ParamReader::Has(std::string_view name) const {
  return params_.contains(name);
}

const boost::json::value* ParamReader::Value(std::string_view name) {
  known_.emplace(name);
  return params_.if_contains(name);
}

void ParamReader::Fail(std::string_view name, std::string message) {
  if (error_) return;
  error_ = ConfigError{id_, "params." + std::string(name), std::move(message)};
}

std::optional<std::string> ParamReader::String(std::string_view name) {
  const boost::json::value* v = Value(name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    Fail(name, "must be a string");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

std::string ParamReader::RequiredString(std::string_view name) {
  const bool present = Has(name);
  std::optional<std::string> s = String(name);
  if (!present) {
    Fail(name, "is required");
  } else if (s && s->empty()) {
    Fail(name, "must not be empty");
  }
  return s.value_or("");
}

bool ParamReader::Bool(std::string_view name, bool fallback) {
  const boost::json::value* v = Value(name);
  if (v == nullptr) return fallback;
  if (!v->is_bool()) {
    Fail(name, "must be true or false");
    return fallback;
  }
  return v->get_bool();
}

std::optional<int64_t> ParamReader::Int(std::string_view name, int64_t min,
                                        int64_t max) {
  const boost::json::value* v = Value(name);
  if (v == nullptr) return std::nullopt;
  int64_t n;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64()) {
    n = v->get_uint64() > static_cast<uint64_t>(INT64_MAX)
            ? INT64_MAX
            : static_cast<int64_t>(v->get_uint64());
  } else if (v->is_double() && std::floor(v->get_double()) == v->get_double() &&
             std::fabs(v->get_double()) < 9e18) {
    // 100.0 is an integer too; the bound keeps the cast defined.
    n = static_cast<int64_t>(v->get_double());
  } else {
    Fail(name, "must be an integer");
    return std::nullopt;
  }
  if (n < min || n > max) {
    Fail(name, "must be between " + std::to_string(min) + " and " +
                   std::to_string(max) + ", got " + std::to_string(n));
    return std::nullopt;
  }
  return n;
}

std::optional<std::vector<std::string>> ParamReader::StringList(
    std::string_view name, bool required, bool non_empty) {
  const boost::json::value* v = Value(name);
  if (v == nullptr) {
    if (required) Fail(name, "is required");
    return std::nullopt;
  }
  if (!v->is_array()) {
    Fail(name, "must be an array of strings");
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const boost::json::value& item = v->get_array()[i];
    if (!item.is_string() || item.get_string().empty()) {
      Fail(std::string(name) + "[" + std::to_string(i) + "]",
           "must be a non-empty string");
      return std::nullopt;
    }
    out.emplace_back(item.get_string());
  }
  if (non_empty && out.empty()) {
    Fail(name, "must not be empty");
    return std::nullopt;
  }
  return out;
}

std::string ParamReader::Choice(std::string_view name,
                                std::initializer_list<std::string_view> choices,
                                std::string_view fallback) {
  std::optional<std::string> s = String(name);
  if (!s) return std::string(fallback);
  for (std::string_view c : choices) {
    if (*s == c) return *s;
  }
  std::string list;
  for (std::string_view c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  Fail(name, "must be one of " + list + ", got \"" + *s + "\"");
  return std::string(fallback);
}

bool ParamReader::Finish() {
  for (const auto& kv : params_) {
    if (!known_.contains(std::string_view(kv.key()))) {
      Fail(kv.key(), "unknown parameter");
      break;
    }
  }
  return ok();
}

}  // namespace across::guardrails
