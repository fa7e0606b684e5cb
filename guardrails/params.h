// Typed access to a guardrail's "params" object for the check builders.
// The first problem is recorded as a ConfigError naming the guardrail and
// the field ("params.max"); Finish() also rejects unknown keys, so a typo
// like "case_sensitve" fails the load instead of silently doing nothing.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/config_error.h"

namespace across::guardrails {

class ParamReader {
 public:
  ParamReader(std::string guardrail_id, const boost::json::object& params);

  const std::string& guardrail_id() const { return id_; }
  bool Has(std::string_view name) const;

  // The raw value (marks the key as known); null when absent.
  const boost::json::value* Value(std::string_view name);

  // Absent -> nullopt. Wrong type -> error, nullopt.
  std::optional<std::string> String(std::string_view name);
  // Absent or empty -> error.
  std::string RequiredString(std::string_view name);
  bool Bool(std::string_view name, bool fallback);
  // Integer within [min, max].
  std::optional<int64_t> Int(std::string_view name, int64_t min, int64_t max);
  // Array of strings. `required`: absent is an error; `non_empty`: [] is.
  std::optional<std::vector<std::string>> StringList(std::string_view name,
                                                     bool required,
                                                     bool non_empty);
  // One of `choices` (absent -> fallback).
  std::string Choice(std::string_view name,
                     std::initializer_list<std::string_view> choices,
                     std::string_view fallback);

  // Records an error for params.<name> (the first one wins).
  void Fail(std::string_view name, std::string message);
  bool ok() const { return !error_.has_value(); }
  const ConfigError& error() const { return *error_; }

  // Flags the first key nobody asked for; returns ok().
  bool Finish();

 private:
  std::string id_;
  const boost::json::object& params_;
  std::set<std::string, std::less<>> known_;
  std::optional<ConfigError> error_;
};

}  // namespace across::guardrails
