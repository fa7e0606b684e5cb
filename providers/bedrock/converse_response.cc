#include "providers/bedrock/converse_response.h"

#include <string>

#include "providers/common/json.h"

namespace across::bedrock {

namespace json = boost::json;
using providers::GetArray;
using providers::GetInt;
using providers::GetObject;
using providers::GetString;
using providers::ParseJson;
using providers::Serialize;
using providers::Sv;

v1::FinishReason FinishReasonFromStopReason(std::string_view r) {
  if (r == "max_tokens" || r == "model_context_window_exceeded") {
    return v1::FINISH_REASON_LENGTH;
  }
  if (r == "tool_use") return v1::FINISH_REASON_TOOL_CALLS;
  if (r == "guardrail_intervened" || r == "content_filtered") {
    return v1::FINISH_REASON_CONTENT_FILTER;
  }
  return v1::FINISH_REASON_STOP;  // end_turn, stop_sequence, unknown
}

v1::Usage ParseUsage(const json::object& usage) {
  const int64_t input = GetInt(&usage, "inputTokens").value_or(0);
  const int64_t output = GetInt(&usage, "outputTokens").value_or(0);
  const int64_t cache_read = GetInt(&usage, "cacheReadInputTokens").value_or(0);
  const int64_t cache_write =
      GetInt(&usage, "cacheWriteInputTokens").value_or(0);
  v1::Usage u;
  u.set_prompt_tokens(static_cast<int32_t>(input + cache_read + cache_write));
  u.set_completion_tokens(static_cast<int32_t>(output));
  u.set_total_tokens(u.prompt_tokens() + u.completion_tokens());
  u.set_cached_tokens(static_cast<int32_t>(cache_read));
  u.set_cache_creation_tokens(static_cast<int32_t>(cache_write));
  return u;
}

Result<v1::ChatResponse> ParseConverseResponse(std::string_view body) {
  auto parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return Error::Unavailable("malformed Converse response (not JSON)");
  }
  const json::object& root = parsed->get_object();
  const json::object* output = GetObject(&root, "output");
  const json::object* message = GetObject(output, "message");
  const json::array* content = GetArray(message, "content");
  if (content == nullptr) {
    return Error::Unavailable(
        "malformed Converse response (no output.message.content)");
  }

  v1::ChatResponse resp;
  v1::Choice* choice = resp.add_choices();
  choice->set_index(0);
  v1::Message* msg = choice->mutable_message();
  msg->set_role(v1::ROLE_ASSISTANT);
  for (const json::value& b : *content) {
    const json::object* block = b.if_object();
    if (block == nullptr) continue;
    if (const json::value* text = block->if_contains("text");
        text != nullptr && text->is_string()) {
      msg->mutable_content()->append(Sv(text->get_string()));
    } else if (const json::object* use = GetObject(block, "toolUse")) {
      v1::ToolCall* call = msg->add_tool_calls();
      call->set_index(msg->tool_calls_size() - 1);
      call->set_id(std::string(GetString(use, "toolUseId")));
      call->set_type("function");
      call->mutable_function()->set_name(std::string(GetString(use, "name")));
      const json::value* input = use->if_contains("input");
      call->mutable_function()->set_arguments(
          input != nullptr ? Serialize(*input) : "{}");
    } else if (const json::object* reasoning =
                   GetObject(block, "reasoningContent")) {
      if (const json::object* rt = GetObject(reasoning, "reasoningText")) {
        msg->mutable_reasoning_content()->append(GetString(rt, "text"));
      }
    }
  }
  choice->set_finish_reason(
      FinishReasonFromStopReason(GetString(&root, "stopReason")));
  if (const json::object* usage = GetObject(&root, "usage")) {
    *resp.mutable_usage() = ParseUsage(*usage);
  }
  return resp;
}

}  // namespace across::bedrock
