#include "providers/anthropic/anthropic_stream.h"

#include <utility>

#include "providers/common/json.h"

namespace across::anthropic {

namespace json = boost::json;
using providers::GetCount;
using providers::GetObject;
using providers::GetString;
using providers::GetWholeInt;
using providers::HasValue;
using providers::ParseJson;
using providers::Serialize;

namespace {

// A block index; -1 when absent or not an integer.
int64_t BlockIndex(const json::object& o) {
  return GetWholeInt(&o, "index").value_or(-1);
}

// Usage fields present in `u` replace the counts so far: message_delta
// carries cumulative totals, and newer API versions repeat the input
// counts there.
void MergeUsage(const json::object& u, UsageCounts* c) {
  if (HasValue(&u, "input_tokens")) c->input = GetCount(&u, "input_tokens");
  if (HasValue(&u, "output_tokens")) c->output = GetCount(&u, "output_tokens");
  if (HasValue(&u, "cache_read_input_tokens")) {
    c->cache_read = GetCount(&u, "cache_read_input_tokens");
  }
  if (HasValue(&u, "cache_creation_input_tokens")) {
    c->cache_creation = GetCount(&u, "cache_creation_input_tokens");
  }
}

}  // namespace

StreamTranslator::StreamTranslator(std::string provider_id, std::string model,
                                   int64_t created)
    : provider_id_(std::move(provider_id)),
      model_(std::move(model)),
      created_(created) {}

v1::ChatChunk StreamTranslator::NewChunk() const {
  v1::ChatChunk c;
  c.set_id(id_);
  c.set_created(created_);
  c.set_model(model_);
  c.set_provider(provider_id_);
  return c;
}

v1::ChatChunk StreamTranslator::NewChoiceChunk(v1::Delta** delta) const {
  v1::ChatChunk c = NewChunk();
  v1::ChunkChoice* choice = c.add_choices();
  choice->set_index(0);
  *delta = choice->mutable_delta();
  return c;
}

void StreamTranslator::Fail(Error e) { failure_ = std::move(e); }

bool StreamTranslator::OnEvent(std::string_view event, std::string_view data,
                               std::vector<v1::ChatChunk>* out) {
  if (done_ || failure_) return false;
  if (event == "ping") return true;
  std::optional<json::value> root = ParseJson(data);
  if (!root || !root->is_object()) {
    if (event == "error") {
      Fail(ParseStreamError(data, provider_id_));
    } else {
      Fail(Error::Unavailable(provider_id_ + ": malformed stream event"));
    }
    return false;
  }
  const json::object& o = root->get_object();
  std::string_view type = GetString(&o, "type");
  if (type.empty()) type = event;

  if (type == "error" || event == "error") {
    Fail(ParseStreamError(data, provider_id_));
    return false;
  }
  if (type == "message_start") {
    if (const json::object* m = GetObject(&o, "message")) {
      id_ = GetString(m, "id");
      if (!GetString(m, "model").empty()) model_ = GetString(m, "model");
      if (const json::object* u = GetObject(m, "usage")) {
        MergeUsage(*u, &usage_);
        saw_usage_ = true;
      }
    }
    v1::Delta* d = nullptr;
    v1::ChatChunk c = NewChoiceChunk(&d);
    d->set_role(v1::ROLE_ASSISTANT);
    out->push_back(std::move(c));
    return true;
  }
  if (type == "content_block_start") {
    const json::object* block = GetObject(&o, "content_block");
    if (block == nullptr) return true;
    std::string_view block_type = GetString(block, "type");
    v1::Delta* d = nullptr;
    if (block_type == "text") {
      if (GetString(block, "text").empty()) return true;
      v1::ChatChunk c = NewChoiceChunk(&d);
      d->set_content(std::string(GetString(block, "text")));
      out->push_back(std::move(c));
    } else if (block_type == "thinking") {
      if (GetString(block, "thinking").empty()) return true;
      v1::ChatChunk c = NewChoiceChunk(&d);
      d->set_reasoning_content(std::string(GetString(block, "thinking")));
      out->push_back(std::move(c));
    } else if (block_type == "tool_use") {
      const int32_t index = tools_++;
      tool_index_[BlockIndex(o)] = index;
      v1::ChatChunk c = NewChoiceChunk(&d);
      v1::ToolCall* tc = d->add_tool_calls();
      tc->set_index(index);
      tc->set_id(std::string(GetString(block, "id")));
      tc->set_type("function");
      tc->mutable_function()->set_name(std::string(GetString(block, "name")));
      // The API starts tool_use blocks with "input": {} and streams the
      // arguments as input_json_delta; a non-empty input here (some
      // compatible servers) is the whole arguments object.
      const json::object* input = GetObject(block, "input");
      if (input != nullptr && !input->empty()) {
        tc->mutable_function()->set_arguments(Serialize(*input));
      }
      out->push_back(std::move(c));
    }
    return true;
  }
  if (type == "content_block_delta") {
    const json::object* delta = GetObject(&o, "delta");
    if (delta == nullptr) return true;
    std::string_view delta_type = GetString(delta, "type");
    v1::Delta* d = nullptr;
    if (delta_type == "text_delta") {
      if (GetString(delta, "text").empty()) return true;
      v1::ChatChunk c = NewChoiceChunk(&d);
      d->set_content(std::string(GetString(delta, "text")));
      out->push_back(std::move(c));
    } else if (delta_type == "input_json_delta") {
      std::string_view fragment = GetString(delta, "partial_json");
      auto it = tool_index_.find(BlockIndex(o));
      if (fragment.empty() || it == tool_index_.end()) return true;
      v1::ChatChunk c = NewChoiceChunk(&d);
      v1::ToolCall* tc = d->add_tool_calls();
      tc->set_index(it->second);
      tc->mutable_function()->set_arguments(std::string(fragment));
      out->push_back(std::move(c));
    } else if (delta_type == "thinking_delta") {
      if (GetString(delta, "thinking").empty()) return true;
      v1::ChatChunk c = NewChoiceChunk(&d);
      d->set_reasoning_content(std::string(GetString(delta, "thinking")));
      out->push_back(std::move(c));
    }
    // signature_delta, citations_delta: nothing to forward.
    return true;
  }
  if (type == "message_delta") {
    if (const json::object* delta = GetObject(&o, "delta")) {
      std::string_view reason = GetString(delta, "stop_reason");
      if (!reason.empty()) stop_reason_ = reason;
    }
    if (const json::object* u = GetObject(&o, "usage")) {
      MergeUsage(*u, &usage_);
      saw_usage_ = true;
    }
    return true;
  }
  if (type == "message_stop") {
    done_ = true;
    v1::Delta* d = nullptr;
    v1::ChatChunk finish = NewChoiceChunk(&d);
    v1::FinishReason reason = MapStopReason(stop_reason_);
    finish.mutable_choices(0)->set_finish_reason(
        reason == v1::FINISH_REASON_UNSPECIFIED ? v1::FINISH_REASON_STOP
                                                : reason);
    out->push_back(std::move(finish));
    if (saw_usage_) {
      v1::ChatChunk usage = NewChunk();
      FillUsage(usage_, usage.mutable_usage());
      out->push_back(std::move(usage));
    }
    return false;
  }
  // ping (named only in the data), content_block_stop, and event types
  // added after this was written: nothing for the client.
  return true;
}

}  // namespace across::anthropic
