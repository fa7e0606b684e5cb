#include "gateway/engine/access_log.h"

#include <unistd.h>

#include <chrono>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace across {
namespace {

// Integer microseconds: exact, and easy for log pipelines to aggregate.
int64_t Micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace

std::string FormatAccessLog(const AccessLogEntry& e) {
  const RequestContext& ctx = *e.ctx;
  boost::json::object line;
  line["ts"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  line["type"] = "access";
  line["trace_id"] = ctx.trace_id;
  line["front_end"] = ctx.front_end;
  line["operation"] = ctx.operation;
  line["model"] = ctx.model;
  line["provider"] = ctx.provider;
  line["upstream_model"] = ctx.upstream_model;
  line["status"] = e.status;
  if (!ctx.target_path.empty()) line["target"] = ctx.target_path;
  if (ctx.attempts > 1) line["attempts"] = ctx.attempts;
  line["duration_us"] = Micros(Clock::now() - ctx.start);
  line["upstream_us"] = Micros(ctx.upstream_time);
  if (ctx.first_token) line["ttft_us"] = Micros(*ctx.first_token - ctx.start);
  line["prompt_tokens"] = e.prompt_tokens;
  line["completion_tokens"] = e.completion_tokens;
  if (e.error != nullptr) {
    line["error_type"] = e.error->type;
    line["error"] = e.error->message;
  }
  return boost::json::serialize(line);
}

void AccessLog::Write(const AccessLogEntry& entry) const {
  if (!enabled_) return;
  std::string text = FormatAccessLog(entry);
  text += '\n';
  // One write(2) per line keeps lines whole across threads without a lock.
  ssize_t ignored = ::write(STDOUT_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace across
