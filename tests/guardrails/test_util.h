// Helpers for the guardrail tests: build from JSON text, run on a text or a
// conversation, and table rows.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guardrails/factory.h"
#include "guardrails/guardrail.h"

namespace across::guardrails::testing {

// Builds one guardrail from `{"type": type, "params": params, ...}`; id is
// "g". Fails the test (and returns null) on a config error.
std::shared_ptr<const Guardrail> Build(std::string_view type,
                                       std::string_view params_json,
                                       std::string_view action = "deny");

// The config error for a guardrail that must not load (id "bad").
ConfigError BuildError(std::string_view type, std::string_view params_json,
                       std::string_view action = "deny");

// Output-stage check of `text`.
GuardrailResult CheckOutput(const Guardrail& g, std::string_view text,
                            bool partial = false);

// Input-stage check of (role, text) messages.
GuardrailResult CheckMessages(
    const Guardrail& g,
    const std::vector<std::pair<std::string, std::string>>& messages);

// An input-stage request with one user message and the given facts.
GuardrailInput Request(std::string_view model,
                       std::map<std::string, std::string, std::less<>> metadata,
                       std::optional<int64_t> max_tokens);

// A row of a request-fact check's table.
struct RequestRow {
  std::string name;
  std::string params;
  GuardrailInput input;
  bool pass;
};

// Runs every row on the input stage and again on the output stage (request
// checks must not care which).
void RunRequestTable(std::string_view type,
                     const std::vector<RequestRow>& rows);

// A row of a check's table: params, text, expected verdict.
struct Row {
  std::string name;
  std::string params;  // JSON object text
  std::string text;
  bool pass;
};

// Runs every row as an output check and expects its verdict.
void RunTable(std::string_view type, const std::vector<Row>& rows);

// Expects that `type` with `params` fails to load with an error naming the
// guardrail ("bad") and `field`.
void ExpectLoadError(std::string_view type, std::string_view params,
                     std::string_view field);

// `n` bytes of plain prose.
std::string LongProse(size_t n);

}  // namespace across::guardrails::testing
