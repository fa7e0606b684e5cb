#include "providers/gemini/gemini_stream.h"

#include <utility>

#include "providers/common/json.h"
#include "providers/gemini/gemini_error.h"
#include "providers/gemini/gemini_response.h"

namespace across::gemini {

namespace json = boost::json;
using providers::Get;
using providers::GetArray;
using providers::GetInt64;
using providers::GetObject;
using providers::GetString;
using providers::kBoostJsonMaxDepth;
using providers::ParseJson;

StreamTranslator::StreamTranslator(std::string provider_id, std::string id,
                                   int64_t created, std::string model)
    : provider_id_(std::move(provider_id)),
      id_(std::move(id)),
      created_(created),
      model_(std::move(model)) {}

v1::ChatChunk StreamTranslator::NewChunk() const {
  v1::ChatChunk chunk;
  chunk.set_id(id_);
  chunk.set_created(created_);
  chunk.set_model(model_);
  chunk.set_provider(provider_id_);
  return chunk;
}

Status StreamTranslator::OnEvent(std::string_view data,
                                 std::vector<v1::ChatChunk>& out) {
  if (data.empty()) return Ok{};
  std::optional<json::value> v = ParseJson(data, kBoostJsonMaxDepth);
  const json::object* root = v ? v->if_object() : nullptr;
  if (root == nullptr) {
    return Error::Unavailable(provider_id_ + ": malformed stream chunk");
  }
  if (const json::object* error = GetObject(root, "error")) {
    return ErrorFromObject(*error, 502, provider_id_);
  }
  if (!named_) {
    // Every payload repeats these; the first one names the stream.
    named_ = true;
    if (std::string_view id = GetString(root, "responseId"); !id.empty()) {
      id_ = std::string(id);
    }
    if (std::string_view m = GetString(root, "modelVersion"); !m.empty()) {
      model_ = std::string(m);
    }
  }
  if (const json::object* usage = GetObject(root, "usageMetadata")) {
    ReadUsage(*usage, &usage_.emplace());
  }

  v1::ChatChunk chunk = NewChunk();
  if (const json::array* candidates = GetArray(root, "candidates")) {
    for (const auto& c : *candidates) {
      const json::object* cand = c.if_object();
      if (cand == nullptr) continue;
      const int index = static_cast<int>(GetInt64(cand, "index").value_or(0));
      ChoiceState& state = choices_[index];
      PartsText parts;
      ReadParts(GetObject(cand, "content"), next_call_, parts);

      v1::ChunkChoice choice;
      choice.set_index(index);
      v1::Delta* delta = choice.mutable_delta();
      delta->set_content(std::move(parts.text));
      delta->set_reasoning_content(std::move(parts.reasoning));
      for (auto& tc : parts.tool_calls) {
        tc.set_index(state.tool_calls++);
        *delta->add_tool_calls() = std::move(tc);
      }
      const v1::FinishReason reason = MapFinishReason(
          GetString(cand, "finishReason"), state.tool_calls > 0);
      choice.set_finish_reason(reason);
      if (reason != v1::FINISH_REASON_UNSPECIFIED) finished_ = true;
      const bool has_delta = !delta->content().empty() ||
                             !delta->reasoning_content().empty() ||
                             delta->tool_calls_size() > 0;
      if (!has_delta && reason == v1::FINISH_REASON_UNSPECIFIED) continue;
      if (!state.role_sent) {
        state.role_sent = true;
        delta->set_role(v1::ROLE_ASSISTANT);
      }
      *chunk.add_choices() = std::move(choice);
    }
  }
  if (choices_.empty()) {
    const json::object* feedback = GetObject(root, "promptFeedback");
    if (Get(feedback, "blockReason") != nullptr) {
      // The prompt was refused before any candidate: one filtered choice.
      choices_[0].role_sent = true;
      v1::ChunkChoice* choice = chunk.add_choices();
      choice->set_index(0);
      choice->mutable_delta()->set_role(v1::ROLE_ASSISTANT);
      choice->mutable_delta()->set_refusal(
          BlockedPromptRefusal(GetString(feedback, "blockReason")));
      choice->set_finish_reason(v1::FINISH_REASON_CONTENT_FILTER);
      finished_ = true;
    }
  }
  if (chunk.choices_size() > 0) out.push_back(std::move(chunk));
  return Ok{};
}

Status StreamTranslator::Finish(std::vector<v1::ChatChunk>& out) {
  if (!finished_) {
    return Error::Unavailable(provider_id_ +
                              ": upstream stream ended without a finish "
                              "reason (truncated)");
  }
  if (usage_) {
    v1::ChatChunk chunk = NewChunk();
    *chunk.mutable_usage() = *usage_;
    out.push_back(std::move(chunk));
  }
  return Ok{};
}

}  // namespace across::gemini
