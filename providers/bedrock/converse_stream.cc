#include "providers/bedrock/converse_stream.h"

#include <utility>

#include "providers/bedrock/bedrock_errors.h"
#include "providers/bedrock/converse_response.h"
#include "providers/common/json.h"

namespace across::bedrock {

namespace json = boost::json;
using providers::GetInt;
using providers::GetObject;
using providers::GetString;
using providers::ParseJson;
using providers::Sv;

ConverseStreamTranslator::ConverseStreamTranslator(std::string id,
                                                   std::string model,
                                                   int64_t created,
                                                   std::string provider)
    : id_(std::move(id)),
      model_(std::move(model)),
      created_(created),
      provider_(std::move(provider)) {}

v1::ChatChunk ConverseStreamTranslator::NewChunk() const {
  v1::ChatChunk chunk;
  chunk.set_id(id_);
  chunk.set_created(created_);
  chunk.set_model(model_);
  chunk.set_provider(provider_);
  return chunk;
}

v1::Delta* ConverseStreamTranslator::NewDelta(
    std::vector<v1::ChatChunk>& out) const {
  out.push_back(NewChunk());
  v1::ChunkChoice* choice = out.back().add_choices();
  choice->set_index(0);
  return choice->mutable_delta();
}

int ConverseStreamTranslator::ToolIndex(int64_t block_index) {
  auto [it, inserted] =
      tool_index_by_block_.try_emplace(block_index, next_tool_index_);
  if (inserted) ++next_tool_index_;
  return it->second;
}

std::optional<Error> ConverseStreamTranslator::OnMessage(
    const EventStreamMessage& message, std::vector<v1::ChatChunk>& out) {
  const std::string_view message_type = message.Header(":message-type");
  if (message_type == "exception") {
    return StreamException(message.Header(":exception-type"), message.payload);
  }
  if (message_type == "error") {
    // Smithy's generic error frame: code and message travel as headers.
    Error e = Error::Unavailable(std::string(message.Header(":error-message")));
    e.code = std::string(message.Header(":error-code"));
    if (e.message.empty()) e.message = "stream error " + e.code;
    return e;
  }
  if (!message_type.empty() && message_type != "event") return std::nullopt;

  const std::string_view type = message.Header(":event-type");
  auto parsed = ParseJson(message.payload);
  if (!parsed || !parsed->is_object()) {
    return Error::Unavailable("malformed ConverseStream event \"" +
                              std::string(type) + "\"");
  }
  const json::object& ev = parsed->get_object();

  if (type == "messageStart") {
    NewDelta(out)->set_role(v1::ROLE_ASSISTANT);
  } else if (type == "contentBlockStart") {
    const json::object* start = GetObject(&ev, "start");
    const json::object* use = GetObject(start, "toolUse");
    if (use != nullptr) {
      v1::ToolCall* call = NewDelta(out)->add_tool_calls();
      call->set_index(ToolIndex(GetInt(&ev, "contentBlockIndex").value_or(0)));
      call->set_id(std::string(GetString(use, "toolUseId")));
      call->set_type("function");
      call->mutable_function()->set_name(std::string(GetString(use, "name")));
    }
  } else if (type == "contentBlockDelta") {
    const json::object* delta = GetObject(&ev, "delta");
    if (delta == nullptr) return std::nullopt;
    if (const json::value* text = delta->if_contains("text");
        text != nullptr && text->is_string()) {
      if (!text->get_string().empty()) {
        NewDelta(out)->set_content(std::string(Sv(text->get_string())));
      }
    } else if (const json::object* use = GetObject(delta, "toolUse")) {
      v1::ToolCall* call = NewDelta(out)->add_tool_calls();
      call->set_index(ToolIndex(GetInt(&ev, "contentBlockIndex").value_or(0)));
      call->mutable_function()->set_arguments(
          std::string(GetString(use, "input")));
    } else if (const json::object* reasoning =
                   GetObject(delta, "reasoningContent")) {
      std::string_view text = GetString(reasoning, "text");
      if (!text.empty()) {
        NewDelta(out)->set_reasoning_content(std::string(text));
      }
    }
  } else if (type == "messageStop") {
    out.push_back(NewChunk());
    v1::ChunkChoice* choice = out.back().add_choices();
    choice->set_index(0);
    choice->mutable_delta();
    choice->set_finish_reason(
        FinishReasonFromStopReason(GetString(&ev, "stopReason")));
    done_ = true;
  } else if (type == "metadata") {
    if (const json::object* usage = GetObject(&ev, "usage")) {
      out.push_back(NewChunk());
      *out.back().mutable_usage() = ParseUsage(*usage);
    }
  }
  // contentBlockStop and unknown events carry nothing for the client.
  return std::nullopt;
}

}  // namespace across::bedrock
