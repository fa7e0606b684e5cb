// Translates an Anthropic Messages event stream (SSE with named events) into
// Chat Completions chunks, one event at a time, without I/O.
//
//   message_start         → a role chunk (id, model; input usage kept)
//   content_block_start   → text: its text, if any; tool_use: the first
//                           fragment of a tool call (id, name), indexed by
//                           the block's ordinal among tool_use blocks
//   content_block_delta   → text_delta: content; input_json_delta: an
//                           arguments fragment of that tool call;
//                           thinking_delta: reasoning_content
//   message_delta         → stop reason and cumulative usage, kept
//   message_stop          → the finish chunk, then a usage-only chunk
//   ping, content_block_stop, unknown events → nothing
//   error                 → failure() (status from the error type)
//
// Reference: https://platform.claude.com/docs/en/build-with-claude/streaming
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"
#include "providers/anthropic/anthropic_wire.h"

namespace across::anthropic {

class StreamTranslator {
 public:
  // `model` is used until message_start names the upstream's; `created`
  // stamps every chunk (the API sends no timestamp).
  StreamTranslator(std::string provider_id, std::string model, int64_t created);

  // Translates one SSE event (`event` is the SSE event name, possibly
  // empty: the JSON "type" decides then), appending chunks for the client to
  // `out`. Returns false once nothing more should be read: after
  // message_stop (done()) or a failure (failure()).
  bool OnEvent(std::string_view event, std::string_view data,
               std::vector<v1::ChatChunk>* out);

  bool done() const { return done_; }
  // An upstream error event or an unreadable event, already prefixed with
  // the provider id.
  const std::optional<Error>& failure() const { return failure_; }

 private:
  v1::ChatChunk NewChunk() const;
  // A chunk with one choice (index 0) and an empty delta.
  v1::ChatChunk NewChoiceChunk(v1::Delta** delta) const;
  void Fail(Error e);

  std::string provider_id_;
  std::string model_;
  std::string id_;
  int64_t created_;
  // content block index → tool call index (ordinal among tool_use blocks).
  std::map<int64_t, int32_t> tool_index_;
  int32_t tools_ = 0;
  std::string stop_reason_;
  UsageCounts usage_;
  bool saw_usage_ = false;
  bool done_ = false;
  std::optional<Error> failure_;
};

}  // namespace across::anthropic
