// streamGenerateContent?alt=sse → ChatChunks. Each SSE "data:" payload is a
// whole GenerateContentResponse holding the next slice of each candidate:
// text parts become content deltas, each functionCall part (Gemini sends a
// call whole, never in fragments) becomes one tool-call delta with its id,
// name and complete arguments at the next index of that choice, and the
// finishReason of the last slice closes the choice. usageMetadata repeats
// on every payload with running totals, so only the last one is kept and
// sent in a final usage-only chunk (choices empty), as OpenAI does.
//
// The stream has no terminator of its own ([DONE]); a stream that ends
// before any finishReason was truncated. An {"error": {...}} payload is a
// mid-stream failure.
//
// Reference:
// https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "across/gateway/v1/gateway.pb.h"
#include "gateway/common/error.h"

namespace across::gemini {

namespace v1 = ::across::gateway::v1;

class StreamTranslator {
 public:
  // `id` is used until the upstream names its response (responseId), and
  // `model` until it names its version (modelVersion).
  StreamTranslator(std::string provider_id, std::string id, int64_t created,
                   std::string model);

  // One payload; appends the chunks it yields (possibly none).
  Status OnEvent(std::string_view data, std::vector<v1::ChatChunk>& out);

  // After the last payload: appends the usage chunk, if usage was reported.
  // Fails when no choice ever finished (the stream was cut short).
  Status Finish(std::vector<v1::ChatChunk>& out);

  bool finished() const { return finished_; }

 private:
  struct ChoiceState {
    bool role_sent = false;
    int tool_calls = 0;
  };

  v1::ChatChunk NewChunk() const;

  std::string provider_id_;
  std::string id_;
  int64_t created_;
  std::string model_;
  bool named_ = false;
  std::map<int, ChoiceState> choices_;
  int next_call_ = 0;
  std::optional<v1::Usage> usage_;
  bool finished_ = false;
};

}  // namespace across::gemini
