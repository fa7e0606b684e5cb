// Helpers for the guardrail tests: build from JSON text, run on a text or a
// conversation, and table rows.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

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
