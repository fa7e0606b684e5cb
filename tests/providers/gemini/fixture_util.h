// Golden-fixture helpers for the Gemini adapter tests: loading files from
// fixtures/, a structural JSON diff that names the path of each mismatch,
// and SSE transcript splitting through the production SseParser.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"

namespace across::gemini::testing {

namespace json = boost::json;
namespace v1 = ::across::gateway::v1;

// In an expected object, this value asserts that the key is absent.
inline constexpr std::string_view kAbsent = "<absent>";

std::string LoadText(std::string_view fixture);
json::value LoadJson(std::string_view fixture);

// Mismatches of `actual` against `expected`, one line each ("$.a[1].b: ...").
// exact: objects must have exactly the expected keys (the upstream request
// body); otherwise only the expected keys are checked and kAbsent asserts a
// key is missing (client-visible answers, whose serializer may add fields).
// Arrays must have equal length; numbers compare by value.
std::vector<std::string> Diff(const json::value& expected,
                              const json::value& actual, bool exact);
std::string Describe(const std::vector<std::string>& diffs);

// The data payloads of an SSE transcript, in order.
std::vector<std::string> SseData(std::string_view transcript);

// An OpenAI Chat Completions / Embeddings request body, as the HTTP front
// end parses it.
v1::ChatRequest ParseOpenAiChat(const json::value& body);
v1::EmbedRequest ParseOpenAiEmbed(const json::value& body);

}  // namespace across::gemini::testing
