// Load-time errors. Everything that can be wrong with a guardrail's config
// (unknown type, bad regex, invalid schema, missing param) is reported when
// the config is loaded, naming the guardrail and the field, so a bad config
// is rejected at startup/reload and never fails a request.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace across::guardrails {

struct ConfigError {
  std::string guardrail_id;  // "" when the entry has no usable id
  std::string field;         // "params.rule", "action", "type", ...
  std::string message;

  // "guardrail \"no-ssn\": params.rule: invalid regex: missing ): (ab"
  std::string ToString() const;
};

// A value or a ConfigError.
template <typename T>
class [[nodiscard]] ConfigResult {
 public:
  ConfigResult(T value) : v_(std::move(value)) {}            // NOLINT
  ConfigResult(ConfigError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const ConfigError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, ConfigError> v_;
};

}  // namespace across::guardrails
