// ConverseStream events (decoded event-stream messages) → ChatChunks.
// Pure: the provider feeds it messages from the EventStreamDecoder.
//
// Reference:
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
// and
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html
//
//   messageStart                       → delta {role: assistant}
//   contentBlockStart {toolUse}        → tool call delta: index, id, name
//   contentBlockDelta {text}           → delta content
//   contentBlockDelta {toolUse.input}  → tool call delta: arguments fragment
//   contentBlockDelta {reasoningContent.text} → delta reasoning_content
//   contentBlockStop                   → nothing
//   messageStop {stopReason}           → finish_reason chunk
//   metadata {usage}                   → final usage chunk (no choices)
//   exceptions (":message-type" exception / error) → Error
//
// Tool calls are numbered 0, 1, ... in the order their blocks start, whatever
// contentBlockIndex they have (text blocks take indexes too).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"
#include "providers/bedrock/eventstream.h"

namespace across::bedrock {

namespace v1 = ::across::gateway::v1;

class ConverseStreamTranslator {
 public:
  // Every chunk carries these.
  ConverseStreamTranslator(std::string id, std::string model, int64_t created,
                           std::string provider);

  // Translates one message, appending any chunks to `out`. Returns an Error
  // (no provider prefix) for exceptions and malformed events.
  std::optional<Error> OnMessage(const EventStreamMessage& message,
                                 std::vector<v1::ChatChunk>& out);

  // messageStop has arrived: the answer is complete (metadata may follow).
  bool done() const { return done_; }

 private:
  v1::ChatChunk NewChunk() const;
  v1::Delta* NewDelta(std::vector<v1::ChatChunk>& out) const;
  // The tool-call index for a content block, assigning the next one.
  int ToolIndex(int64_t block_index);

  std::string id_;
  std::string model_;
  int64_t created_;
  std::string provider_;
  std::map<int64_t, int> tool_index_by_block_;
  int next_tool_index_ = 0;
  bool done_ = false;
};

}  // namespace across::bedrock
