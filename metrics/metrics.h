// The gateway's Prometheus metrics (prometheus-cpp core registry, served as
// text at GET /metrics). Names follow Prometheus conventions: base units,
// `_total` for counters, `_seconds` for durations.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace across {

// What one finished request reports.
struct RequestRecord {
  std::string_view front_end;  // http | grpc
  std::string_view operation;  // chat | chat_stream | embed
  std::string_view provider;   // "" when routing failed
  std::string_view model;      // the configured model name, or "unknown"
  int status = 200;            // HTTP status (also for gRPC calls)
  double duration_seconds = 0;
  double upstream_seconds = 0;  // 0 when no upstream call was made
  double ttft_seconds = -1;     // < 0 when not a stream / no token
  long prompt_tokens = 0;
  long completion_tokens = 0;
  long cached_tokens = 0;
  long reasoning_tokens = 0;
};

class Metrics {
 public:
  Metrics();

  prometheus::Registry& registry() { return *registry_; }

  // In-flight gauge, by front end.
  void RequestStarted(std::string_view front_end);
  // Counters and histograms for a finished request (also decrements the
  // in-flight gauge).
  void RequestFinished(const RequestRecord& record);

  // One guardrail check: stage input|output, kind (check type), action
  // deny|flag|redact, verdict pass|fail. The guardrail id is not a label:
  // per-request ids are client-chosen and would be unbounded.
  void GuardrailChecked(std::string_view stage, std::string_view kind,
                        std::string_view action, std::string_view verdict,
                        double seconds);

  // Prometheus text exposition format (version 0.0.4).
  std::string Serialize() const;

 private:
  // The metric children one label combination touches, looked up once:
  // prometheus-cpp's Family::Add hashes a label map under a lock per call.
  struct RequestSeries {
    prometheus::Counter* requests;
    prometheus::Histogram* duration;
    prometheus::Histogram* overhead;
    prometheus::Gauge* inflight;
    prometheus::Histogram* upstream = nullptr;
    prometheus::Histogram* ttft = nullptr;
    prometheus::Counter* tokens[4] = {};  // prompt, completion, cached, reasoning
  };
  RequestSeries& Series(const RequestRecord& record);

  std::mutex series_mu_;
  std::unordered_map<std::string, std::unique_ptr<RequestSeries>> series_;

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* duration_;
  prometheus::Family<prometheus::Histogram>* upstream_duration_;
  prometheus::Family<prometheus::Histogram>* ttft_;
  prometheus::Family<prometheus::Histogram>* overhead_;
  prometheus::Family<prometheus::Counter>* tokens_;
  prometheus::Family<prometheus::Gauge>* inflight_;
  prometheus::Family<prometheus::Counter>* guardrail_results_;
  prometheus::Family<prometheus::Histogram>* guardrail_duration_;
};

}  // namespace across
