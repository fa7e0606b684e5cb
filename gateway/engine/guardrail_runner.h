// Applies guardrails (guardrails/) around the engine's upstream call: the
// input stage on the request's messages before routing, the output stage on
// the answer — whole for unary calls, incrementally for streams.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "across/config/v1/config.pb.h"
#include "gateway/common/error.h"
#include "gateway/common/request_context.h"
#include "guardrails/guardrail.h"
#include "guardrails/pii/redactor.h"
#include "guardrails/pipeline.h"
#include "metrics/metrics.h"
#include "providers/provider.h"

namespace across {

// The guardrails one request runs.
struct GuardrailPlan {
  guardrails::GuardrailList input;
  guardrails::GuardrailList output;
  bool empty() const { return input.empty() && output.empty(); }
};

// Header carrying per-request guardrails, and the one reporting verdicts.
inline constexpr std::string_view kGuardrailsHeader = "x-across-guardrails";
inline constexpr std::string_view kGuardrailVerdictHeader = "x-across-guardrail-verdict";

// Compiled guardrail lists from the config, plus a bounded cache of
// per-request lists (compiling regexes per request would be wasteful).
class GuardrailCatalog {
 public:
  // Errors name the config field and the guardrail:
  // "model_guardrails[\"m\"].input: guardrail \"x\": params.rule: ...".
  static Result<std::unique_ptr<GuardrailCatalog>> Build(
      const ::across::config::v1::GatewayConfig& config);

  // Global, then the model's, then the route's (when the request reached a
  // named route through an alias or the config header), then the request
  // header's lists.
  Result<GuardrailPlan> PlanFor(const RequestContext& ctx, std::string_view model,
                                std::string_view route_name) const;

 private:
  GuardrailPlan global_;
  std::map<std::string, GuardrailPlan, std::less<>> by_model_;
  bool allow_request_ = true;
  mutable std::mutex cache_mu_;
  mutable std::map<std::string, GuardrailPlan, std::less<>> request_cache_;
};

// Per-request guardrail state shared by the stages: the PII placeholder
// numbering and the collected results.
struct GuardrailState {
  explicit GuardrailState(Metrics* m) : metrics(m) {}
  Metrics* metrics;
  guardrails::pii::Redactor redactor;
  std::string verdict_input = "none";  // none | pass | flagged | denied | redacted
  std::string verdict_output = "none";
  std::string results_json = "[]";     // every result, masked

  void Publish(RequestContext& ctx) const;
};

// Runs the input stage over every message; applies redactions to `request`.
// A deny → Error 446 naming the guardrail and the message.
asio::awaitable<Status> RunInputGuardrails(const GuardrailPlan& plan,
                                           RequestContext& ctx,
                                           v1::ChatRequest& request,
                                           GuardrailState& state);

// Runs the output stage on each choice of a whole response.
asio::awaitable<Status> RunOutputGuardrails(const GuardrailPlan& plan,
                                            RequestContext& ctx,
                                            const v1::ChatRequest& request,
                                            v1::ChatResponse& response,
                                            GuardrailState& state);

// Output guardrails on a stream: PII redaction is applied to deltas before
// they are forwarded (holding back only what a pending match needs), other
// checks run over the text so far and end the stream on a final deny.
class GuardedSink final : public ChunkSink {
 public:
  GuardedSink(const GuardrailPlan& plan, RequestContext& ctx,
              const v1::ChatRequest& request, GuardrailState& state,
              ChunkSink& inner);
  ~GuardedSink() override;

  asio::awaitable<bool> Write(v1::ChatChunk chunk) override;

  // Set when an output guardrail denied; the stream must end with it.
  const std::optional<Error>& denied() const { return denied_; }

 private:
  struct ChoiceState;
  ChoiceState& Choice(int index);
  // Checks the unredacted text so far (partial: sync checks only, never
  // denies unless the verdict is final). Returns false (and sets denied_)
  // on a deny.
  bool CheckPartial(ChoiceState& choice);
  // The final stage over the whole output, webhooks included. Returns the
  // outcome, or nullopt (and sets denied_) on a deny.
  asio::awaitable<std::optional<guardrails::StageOutcome>> CheckFinal(ChoiceState& choice);

  // Some redacting check cannot redact incrementally: output is then held
  // until the end and redacted whole.
  bool buffer_all_ = false;

  const GuardrailPlan& plan_;
  RequestContext& ctx_;
  const v1::ChatRequest& request_;
  GuardrailState& state_;
  ChunkSink& inner_;
  std::map<int, std::unique_ptr<ChoiceState>> choices_;
  std::optional<Error> denied_;
};

}  // namespace across
