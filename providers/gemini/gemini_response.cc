#include "providers/gemini/gemini_response.h"

#include <map>
#include <utility>

#include "providers/common/json.h"
#include "providers/gemini/gemini_tool_ids.h"

namespace across::gemini {

namespace json = boost::json;
using providers::Get;
using providers::GetArray;
using providers::GetBool;
using providers::GetInt64;
using providers::GetObject;
using providers::GetString;
using providers::kBoostJsonMaxDepth;
using providers::ParseJson;
using providers::Serialize;
using providers::Sv;

namespace {

int32_t Clamp(int64_t v) {
  if (v < 0) return 0;
  if (v > INT32_MAX) return INT32_MAX;
  return static_cast<int32_t>(v);
}

Error Malformed(std::string_view provider_id, std::string_view what) {
  return Error::Unavailable(
      std::string(provider_id) +
      ": malformed Gemini response: " + std::string(what));
}

}  // namespace

void ReadParts(const json::object* content, int& next_call, PartsText& out) {
  const json::array* parts = GetArray(content, "parts");
  if (parts == nullptr) return;
  for (const auto& p : *parts) {
    const json::object* part = p.if_object();
    if (part == nullptr) continue;
    if (const json::object* call = GetObject(part, "functionCall")) {
      v1::ToolCall tc;
      tc.set_index(static_cast<int32_t>(out.tool_calls.size()));
      tc.set_id(ToolCallId(next_call++, GetString(part, "thoughtSignature")));
      tc.set_type("function");
      tc.mutable_function()->set_name(std::string(GetString(call, "name")));
      const json::value* args = Get(call, "args");
      tc.mutable_function()->set_arguments(
          args != nullptr && !args->is_null() ? Serialize(*args) : "{}");
      out.tool_calls.push_back(std::move(tc));
      continue;
    }
    const json::value* text = Get(part, "text");
    if (text == nullptr || !text->is_string()) continue;
    if (GetBool(part, "thought")) {
      out.reasoning += Sv(text->get_string());
    } else {
      out.text += Sv(text->get_string());
    }
  }
}

v1::FinishReason MapFinishReason(std::string_view reason, bool tool_calls) {
  if (reason.empty() || reason == "FINISH_REASON_UNSPECIFIED") {
    return v1::FINISH_REASON_UNSPECIFIED;
  }
  if (reason == "MAX_TOKENS") return v1::FINISH_REASON_LENGTH;
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" ||
      reason == "IMAGE_SAFETY" || reason == "IMAGE_PROHIBITED_CONTENT" ||
      reason == "IMAGE_RECITATION" || reason == "MODEL_ARMOR") {
    return v1::FINISH_REASON_CONTENT_FILTER;
  }
  return tool_calls ? v1::FINISH_REASON_TOOL_CALLS : v1::FINISH_REASON_STOP;
}

void ReadUsage(const json::object& u, v1::Usage* usage) {
  const int64_t prompt = GetInt64(&u, "promptTokenCount").value_or(0) +
                         GetInt64(&u, "toolUsePromptTokenCount").value_or(0);
  const int64_t thoughts = GetInt64(&u, "thoughtsTokenCount").value_or(0);
  const int64_t completion =
      GetInt64(&u, "candidatesTokenCount").value_or(0) + thoughts;
  usage->set_prompt_tokens(Clamp(prompt));
  usage->set_completion_tokens(Clamp(completion));
  usage->set_total_tokens(
      Clamp(GetInt64(&u, "totalTokenCount").value_or(prompt + completion)));
  usage->set_cached_tokens(
      Clamp(GetInt64(&u, "cachedContentTokenCount").value_or(0)));
  usage->set_reasoning_tokens(Clamp(thoughts));
}

std::string BlockedPromptRefusal(std::string_view block_reason) {
  return "The prompt was blocked by Gemini (blockReason " +
         std::string(block_reason.empty() ? "unspecified" : block_reason) +
         ").";
}

Result<v1::ChatResponse> ParseChatResponse(std::string_view body,
                                           const ResponseDefaults& defaults,
                                           std::string_view provider_id) {
  std::optional<json::value> v = ParseJson(body, kBoostJsonMaxDepth);
  const json::object* root = v ? v->if_object() : nullptr;
  if (root == nullptr) return Malformed(provider_id, "not a JSON object");

  v1::ChatResponse resp;
  std::string_view id = GetString(root, "responseId");
  resp.set_id(id.empty() ? defaults.id : std::string(id));
  resp.set_created(defaults.created);
  std::string_view model = GetString(root, "modelVersion");
  resp.set_model(model.empty() ? defaults.model : std::string(model));

  int next_call = 0;
  const json::array* candidates = GetArray(root, "candidates");
  // Choices in candidate.index order (Gemini lists them in order already).
  std::map<int, v1::Choice> choices;
  if (candidates != nullptr) {
    for (const auto& c : *candidates) {
      const json::object* cand = c.if_object();
      if (cand == nullptr) continue;
      const int index = static_cast<int>(GetInt64(cand, "index").value_or(0));
      PartsText parts;
      ReadParts(GetObject(cand, "content"), next_call, parts);
      v1::Choice& choice = choices[index];
      choice.set_index(index);
      auto* msg = choice.mutable_message();
      msg->set_role(v1::ROLE_ASSISTANT);
      msg->set_content(std::move(parts.text));
      msg->set_reasoning_content(std::move(parts.reasoning));
      for (auto& tc : parts.tool_calls) {
        *msg->add_tool_calls() = std::move(tc);
      }
      v1::FinishReason reason = MapFinishReason(GetString(cand, "finishReason"),
                                                msg->tool_calls_size() > 0);
      // A unary answer is complete even when Gemini leaves the reason out.
      if (reason == v1::FINISH_REASON_UNSPECIFIED) {
        reason = msg->tool_calls_size() > 0 ? v1::FINISH_REASON_TOOL_CALLS
                                            : v1::FINISH_REASON_STOP;
      }
      choice.set_finish_reason(reason);
    }
  }
  for (auto& [index, choice] : choices) {
    *resp.add_choices() = std::move(choice);
  }
  if (resp.choices_size() == 0) {
    const json::object* feedback = GetObject(root, "promptFeedback");
    if (Get(feedback, "blockReason") == nullptr) {
      return Malformed(provider_id, "no candidates");
    }
    v1::Choice* choice = resp.add_choices();
    choice->set_index(0);
    choice->mutable_message()->set_role(v1::ROLE_ASSISTANT);
    choice->mutable_message()->set_refusal(
        BlockedPromptRefusal(GetString(feedback, "blockReason")));
    choice->set_finish_reason(v1::FINISH_REASON_CONTENT_FILTER);
  }
  if (const json::object* usage = GetObject(root, "usageMetadata")) {
    ReadUsage(*usage, resp.mutable_usage());
  }
  return resp;
}

Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view body, int inputs,
                                             std::string_view provider_id) {
  std::optional<json::value> v = ParseJson(body, kBoostJsonMaxDepth);
  const json::object* root = v ? v->if_object() : nullptr;
  if (root == nullptr) return Malformed(provider_id, "not a JSON object");

  std::vector<const json::object*> embeddings;
  if (const json::object* one = GetObject(root, "embedding")) {
    embeddings.push_back(one);
  } else if (const json::array* many = GetArray(root, "embeddings")) {
    for (const auto& e : *many) embeddings.push_back(e.if_object());
  }
  if (static_cast<int>(embeddings.size()) != inputs) {
    return Malformed(provider_id, std::to_string(embeddings.size()) +
                                      " embeddings for " +
                                      std::to_string(inputs) + " inputs");
  }
  v1::EmbedResponse resp;
  for (size_t i = 0; i < embeddings.size(); ++i) {
    const json::array* values = GetArray(embeddings[i], "values");
    if (values == nullptr) return Malformed(provider_id, "embedding.values");
    v1::Embedding* e = resp.add_data();
    e->set_index(static_cast<int32_t>(i));
    e->mutable_embedding()->Reserve(static_cast<int>(values->size()));
    for (const auto& x : *values) {
      if (!x.is_number()) return Malformed(provider_id, "embedding.values");
      e->add_embedding(static_cast<float>(x.to_number<double>()));
    }
  }
  resp.mutable_usage();  // Gemini does not report embedding usage
  return resp;
}

}  // namespace across::gemini
