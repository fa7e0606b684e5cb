// One structured JSON line per request on stdout. Holds no prompts,
// completions or keys: only routing facts, timings, sizes and outcome.
#pragma once

#include <string>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"

namespace across {

struct AccessLogEntry {
  const RequestContext* ctx = nullptr;
  const Error* error = nullptr;  // null on success
  int status = 200;
  long prompt_tokens = 0;
  long completion_tokens = 0;
};

// Renders the JSON line (without newline). Exposed for tests.
std::string FormatAccessLog(const AccessLogEntry& entry);

class AccessLog {
 public:
  explicit AccessLog(bool enabled) : enabled_(enabled) {}
  void Write(const AccessLogEntry& entry) const;

 private:
  bool enabled_;
};

}  // namespace across
