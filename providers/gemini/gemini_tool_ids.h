// Tool-call ids for Gemini function calls. Gemini's functionCall parts carry
// no id, so the gateway numbers them ("call_0", "call_1", ... in response
// order) and, on the way back, finds a tool result's function name by the id
// of the assistant call it answers.
//
// Gemini 3 (and 2.5 thinking) models attach a `thoughtSignature` to function
// call parts and reject a follow-up request whose history drops it (4xx). The
// OpenAI message shape has nowhere to keep it, so the signature rides in the
// tool-call id — "call_0__thought__<signature>" — which clients echo back
// verbatim in the assistant message; BuildChatRequestBody restores it. The
// signature (standard base64) is written base64url without padding so ids
// stay within [A-Za-z0-9_-], which other providers require of tool ids.
//
// Reference: https://ai.google.dev/gemini-api/docs/thought-signatures
#pragma once

#include <string>
#include <string_view>

namespace across::gemini {

inline constexpr std::string_view kThoughtSeparator = "__thought__";

inline std::string ToolCallId(int n, std::string_view thought_signature) {
  std::string id = "call_" + std::to_string(n);
  if (thought_signature.empty()) return id;
  id.append(kThoughtSeparator);
  for (char c : thought_signature) {
    if (c == '+') {
      id += '-';
    } else if (c == '/') {
      id += '_';
    } else if (c != '=') {
      id += c;
    }
  }
  return id;
}

// The signature (standard base64, padded) carried by an id made by
// ToolCallId, or "".
inline std::string ThoughtSignatureOf(std::string_view id) {
  const size_t at = id.find(kThoughtSeparator);
  if (at == std::string_view::npos) return {};
  std::string sig;
  for (char c : id.substr(at + kThoughtSeparator.size())) {
    sig += c == '-' ? '+' : c == '_' ? '/' : c;
  }
  while (sig.size() % 4 != 0) sig += '=';
  return sig;
}

}  // namespace across::gemini
