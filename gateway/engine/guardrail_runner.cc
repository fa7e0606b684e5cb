#include "gateway/engine/guardrail_runner.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "gateway/upstream/http_client.h"
#include "guardrails/async.h"
#include "guardrails/factory.h"
#include "guardrails/pii/stream_redactor.h"
#include "guardrails/pipeline.h"
#include "providers/openai/openai_wire.h"

namespace across {
namespace {

namespace gr = ::across::guardrails;

// Re-check the streamed text after this much new output (and at the end):
// checks are linear in the text, so checking every delta would be quadratic.
constexpr size_t kStreamCheckEvery = 256;
constexpr size_t kRequestCacheLimit = 256;

// "<field>: guardrail \"<id>\": <param>: <message>", leaving out what the
// error does not know (a list-level error has no id or param).
Error ListError(const std::string& field, const gr::ConfigError& e) {
  std::string msg = field + ": ";
  if (!e.guardrail_id.empty()) msg += "guardrail \"" + e.guardrail_id + "\": ";
  if (!e.field.empty()) msg += e.field + ": ";
  msg += e.message;
  return Error::InvalidRequest(std::move(msg), field);
}

Result<gr::GuardrailList> CompileList(const google::protobuf::ListValue& list,
                                      const std::string& field) {
  if (list.values_size() == 0) return gr::GuardrailList{};
  std::string json;
  google::protobuf::util::MessageToJsonString(list, &json);
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec) return Error::InvalidRequest(field + ": not valid JSON", field);
  auto built = gr::BuildGuardrails(value);
  if (!built.ok()) return ListError(field, built.error());
  return std::move(built.value());
}

Result<GuardrailPlan> CompileSet(const ::across::config::v1::GuardrailSetConfig& set,
                                 const std::string& field) {
  GuardrailPlan plan;
  auto input = CompileList(set.input(), field + ".input");
  if (!input.ok()) return input.error();
  auto output = CompileList(set.output(), field + ".output");
  if (!output.ok()) return output.error();
  plan.input = std::move(input.value());
  plan.output = std::move(output.value());
  return plan;
}

void Append(gr::GuardrailList& to, const gr::GuardrailList& from) {
  to.insert(to.end(), from.begin(), from.end());
}

// The text a guardrail sees for a message: its content, or its text parts.
std::string MessageText(const v1::Message& m) {
  if (m.parts_size() == 0) return m.content();
  std::string text;
  for (const auto& part : m.parts()) {
    if (!part.has_text()) continue;
    if (!text.empty()) text += '\n';
    text += part.text();
  }
  return text;
}

void SetMessageText(v1::Message& m, std::string text) {
  if (m.parts_size() == 0) {
    m.set_content(std::move(text));
    return;
  }
  // Text parts collapse into one redacted part; images stay.
  v1::Message copy = m;
  m.clear_parts();
  m.add_parts()->set_text(std::move(text));
  for (const auto& part : copy.parts()) {
    if (!part.has_text()) *m.add_parts() = part;
  }
}

gr::GuardrailInput Facts(const v1::ChatRequest& request, gr::Stage stage,
                         GuardrailState& state) {
  gr::GuardrailInput input;
  input.stage = stage;
  input.model = request.model();
  for (const auto& [k, v] : request.metadata()) input.metadata.emplace(k, v);
  if (request.has_max_completion_tokens()) {
    input.max_tokens = request.max_completion_tokens();
  } else if (request.has_max_tokens()) {
    input.max_tokens = request.max_tokens();
  }
  input.redactor = &state.redactor;
  return input;
}

// Runs one stage, performing webhook calls on the request's event loop.
asio::awaitable<gr::StageOutcome> RunStage(const gr::GuardrailList& list,
                                           gr::GuardrailInput input,
                                           RequestContext& ctx) {
  gr::StageRun run(list, std::move(input));
  while (const gr::Guardrail* g = run.RunSync()) {
    gr::HttpCall call = g->async()->MakeCall(run.input());
    const auto started = Clock::now();
    gr::HttpOutcome outcome;
    auto url = Url::Parse(call.url);
    if (!url.ok() || ctx.http == nullptr) {
      outcome.error = "invalid webhook url";
    } else {
      UpstreamRequest req;
      req.method = call.method;
      req.url = std::move(url.value());
      req.headers = std::move(call.headers);
      req.body = std::move(call.body);
      req.deadline = std::min(ctx.deadline, started + call.timeout);
      req.connect_timeout = call.timeout;
      auto response = co_await ctx.http->Send(std::move(req));
      if (response.ok()) {
        outcome.status = response->status;
        outcome.body = std::move(response->body);
      } else {
        outcome.error = IsTimeout(response.error()) ? "timeout" : response.error().message;
      }
    }
    run.Record(g->async()->Complete(outcome, Clock::now() - started));
  }
  co_return run.Finish();
}

std::string Verdict(const gr::StageOutcome& outcome) {
  if (outcome.denied) return "denied";
  if (!outcome.redacted.empty()) return "redacted";
  if (outcome.flagged) return "flagged";
  return "pass";
}

void AddResults(GuardrailState& state, const gr::StageOutcome& outcome,
                std::string_view stage) {
  if (state.metrics != nullptr) {
    for (const auto& r : outcome.results) {
      if (!r.final) continue;
      state.metrics->GuardrailChecked(
          stage, r.kind, gr::ActionName(r.action),
          r.passed() ? "pass" : "fail", std::chrono::duration<double>(r.duration).count());
    }
  }
  boost::system::error_code ec;
  boost::json::value all = boost::json::parse(state.results_json, ec);
  if (ec || !all.is_array()) all = boost::json::array{};
  for (auto& r : outcome.ResultsJson()) all.as_array().push_back(std::move(r));
  state.results_json = boost::json::serialize(all);
}

// HTTP 446 (as Portkey answers a deny) / gRPC FAILED_PRECONDITION.
Error DenyError(const gr::StageOutcome& outcome, std::string_view stage,
                const GuardrailState& state) {
  const gr::GuardrailResult& r = outcome.results[*outcome.denied_by];
  std::string msg = "request blocked by " + std::string(stage) + " guardrail \"" + r.id +
                    "\" (" + r.kind + ")";
  if (stage == "input" && !r.failed_messages.empty()) {
    msg += " on message";
    msg += r.failed_messages.size() > 1 ? "s " : " ";
    for (size_t i = 0; i < r.failed_messages.size(); ++i) {
      if (i > 0) msg += ", ";
      msg += "messages[" + std::to_string(r.failed_messages[i]) + "]";
    }
  }
  if (!r.explanation.empty()) msg += ": " + r.explanation;
  Error e = Error::FromHttpStatus(446, std::move(msg));
  e.type = "guardrail_error";
  e.code = "guardrail_denied";
  e.details = state.results_json;
  return e;
}

}  // namespace

void GuardrailState::Publish(RequestContext& ctx) const {
  ctx.guardrail_verdict = "input=" + verdict_input + ";output=" + verdict_output;
  ctx.guardrail_results = results_json;
}

Result<std::unique_ptr<GuardrailCatalog>> GuardrailCatalog::Build(
    const ::across::config::v1::GatewayConfig& config) {
  auto catalog = std::make_unique<GuardrailCatalog>();
  auto global = CompileSet(config.guardrails(), "guardrails");
  if (!global.ok()) return global.error();
  catalog->global_ = std::move(global.value());
  for (const auto& [model, set] : config.model_guardrails()) {
    auto plan = CompileSet(set, "model_guardrails[\"" + model + "\"]");
    if (!plan.ok()) return plan.error();
    catalog->by_model_.emplace(model, std::move(plan.value()));
  }
  catalog->allow_request_ =
      !config.has_allow_request_guardrails() || config.allow_request_guardrails();
  return catalog;
}

Result<GuardrailPlan> GuardrailCatalog::PlanFor(const RequestContext& ctx,
                                                std::string_view model,
                                                std::string_view route_name) const {
  GuardrailPlan plan = global_;
  if (auto it = by_model_.find(model); it != by_model_.end()) {
    Append(plan.input, it->second.input);
    Append(plan.output, it->second.output);
  }
  if (!route_name.empty() && route_name != model) {
    if (auto it = by_model_.find(route_name); it != by_model_.end()) {
      Append(plan.input, it->second.input);
      Append(plan.output, it->second.output);
    }
  }
  const std::string& header = ctx.headers.guardrails;
  if (header.empty()) return plan;
  if (!allow_request_) {
    return Error::InvalidRequest("per-request guardrails are disabled on this gateway",
                                 std::string(kGuardrailsHeader));
  }
  GuardrailPlan request_plan;
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = request_cache_.find(header); it != request_cache_.end()) {
      request_plan = it->second;
    }
  }
  if (request_plan.empty()) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(header, ec);
    const std::string field(kGuardrailsHeader);
    if (ec || !value.is_object()) {
      return Error::InvalidRequest(
          field + " must be a JSON object {\"input\": [...], \"output\": [...]}", field);
    }
    for (const auto& [key, list] : value.as_object()) {
      if (key != "input" && key != "output") {
        return Error::InvalidRequest(
            field + ": unknown key \"" + std::string(key) + "\" (use input, output)",
            field);
      }
      auto built = gr::BuildGuardrails(list);
      if (!built.ok()) {
        Error e = ListError(field + "." + std::string(key), built.error());
        e.param = field;
        return e;
      }
      (key == "input" ? request_plan.input : request_plan.output) = std::move(built.value());
    }
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (request_cache_.size() >= kRequestCacheLimit) request_cache_.clear();
    request_cache_.emplace(header, request_plan);
  }
  Append(plan.input, request_plan.input);
  Append(plan.output, request_plan.output);
  return plan;
}

asio::awaitable<Status> RunInputGuardrails(const GuardrailPlan& plan, RequestContext& ctx,
                                           v1::ChatRequest& request,
                                           GuardrailState& state) {
  if (plan.input.empty()) co_return Ok{};
  std::vector<std::string> texts;
  texts.reserve(request.messages_size());
  for (const auto& m : request.messages()) texts.push_back(MessageText(m));
  gr::GuardrailInput input = Facts(request, gr::Stage::kInput, state);
  for (int i = 0; i < request.messages_size(); ++i) {
    input.texts.push_back(
        {static_cast<size_t>(i), openai::RoleName(request.messages(i).role()),
         texts[i]});
  }
  gr::StageOutcome outcome = co_await RunStage(plan.input, std::move(input), ctx);
  AddResults(state, outcome, "input");
  state.verdict_input = Verdict(outcome);
  state.Publish(ctx);
  if (outcome.denied) co_return DenyError(outcome, "input", state);
  for (auto& [index, text] : outcome.redacted) {
    SetMessageText(*request.mutable_messages(static_cast<int>(index)), std::move(text));
  }
  co_return Ok{};
}

asio::awaitable<Status> RunOutputGuardrails(const GuardrailPlan& plan, RequestContext& ctx,
                                            const v1::ChatRequest& request,
                                            v1::ChatResponse& response,
                                            GuardrailState& state) {
  if (plan.output.empty()) co_return Ok{};
  std::string verdict = "pass";
  state.verdict_output = "none";
  for (auto& choice : *response.mutable_choices()) {
    gr::GuardrailInput input = Facts(request, gr::Stage::kOutput, state);
    const std::string text = MessageText(choice.message());
    input.texts.push_back({0, "assistant", text});
    gr::StageOutcome outcome = co_await RunStage(plan.output, std::move(input), ctx);
    AddResults(state, outcome, "output");
    std::string v = Verdict(outcome);
    if (v != "pass") verdict = v;
    if (outcome.denied) {
      state.verdict_output = "denied";
      state.Publish(ctx);
      co_return DenyError(outcome, "output", state);
    }
    if (auto it = outcome.redacted.find(0); it != outcome.redacted.end()) {
      SetMessageText(*choice.mutable_message(), std::move(it->second));
    }
  }
  state.verdict_output = verdict;
  state.Publish(ctx);
  co_return Ok{};
}

struct GuardedSink::ChoiceState {
  std::string raw;  // output so far as the upstream wrote it
  size_t checked = 0;
  std::vector<std::unique_ptr<gr::pii::StreamRedactor>> redactors;
};

GuardedSink::GuardedSink(const GuardrailPlan& plan, RequestContext& ctx,
                         const v1::ChatRequest& request, GuardrailState& state,
                         ChunkSink& inner)
    : plan_(plan), ctx_(ctx), request_(request), state_(state), inner_(inner) {
  for (const auto& g : plan_.output) {
    if (g->action() != gr::Action::kRedact) continue;
    gr::pii::Redactor probe;
    if (g->NewStreamRedactor(probe) == nullptr) buffer_all_ = true;
  }
  state_.verdict_output = "pending";
  state_.Publish(ctx_);
}

GuardedSink::~GuardedSink() = default;

GuardedSink::ChoiceState& GuardedSink::Choice(int index) {
  auto& slot = choices_[index];
  if (!slot) {
    slot = std::make_unique<ChoiceState>();
    if (!buffer_all_) {
      for (const auto& g : plan_.output) {
        if (auto redactor = g->NewStreamRedactor(state_.redactor)) {
          slot->redactors.push_back(std::move(redactor));
        }
      }
    }
  }
  return *slot;
}

bool GuardedSink::CheckPartial(ChoiceState& choice) {
  choice.checked = choice.raw.size();
  gr::GuardrailInput input = Facts(request_, gr::Stage::kOutput, state_);
  input.partial = true;
  input.texts.push_back({0, "assistant", choice.raw});
  // Redaction numbering must not advance on a partial look.
  gr::pii::Redactor scratch;
  input.redactor = &scratch;
  gr::StageRun run(plan_.output, std::move(input));
  while (const gr::Guardrail* g = run.RunSync()) {
    // Webhooks run once, on the whole output (CheckFinal).
    gr::GuardrailResult later;
    later.id = g->id();
    later.kind = g->kind();
    later.action = g->action();
    later.final = false;
    run.Record(std::move(later));
  }
  gr::StageOutcome outcome = run.Finish();
  if (!outcome.denied) return true;
  AddResults(state_, outcome, "output");
  state_.verdict_output = "denied";
  state_.Publish(ctx_);
  denied_ = DenyError(outcome, "output", state_);
  return false;
}

asio::awaitable<std::optional<gr::StageOutcome>> GuardedSink::CheckFinal(ChoiceState& choice) {
  gr::GuardrailInput input = Facts(request_, gr::Stage::kOutput, state_);
  input.texts.push_back({0, "assistant", choice.raw});
  gr::StageOutcome outcome = co_await RunStage(plan_.output, std::move(input), ctx_);
  AddResults(state_, outcome, "output");
  state_.verdict_output = Verdict(outcome);
  state_.Publish(ctx_);
  if (outcome.denied) {
    denied_ = DenyError(outcome, "output", state_);
    co_return std::nullopt;
  }
  co_return outcome;
}

asio::awaitable<bool> GuardedSink::Write(v1::ChatChunk chunk) {
  if (denied_) co_return false;
  for (auto& c : *chunk.mutable_choices()) {
    ChoiceState& choice = Choice(c.index());
    const bool finishing = c.finish_reason() != v1::FINISH_REASON_UNSPECIFIED;
    choice.raw += c.delta().content();
    std::string forward;
    if (buffer_all_) {
      // Held until the end, then redacted whole by the final stage.
    } else {
      forward = c.delta().content();
      for (auto& redactor : choice.redactors) forward = redactor->Feed(forward);
    }
    if (!finishing) {
      if (choice.raw.size() - choice.checked >= kStreamCheckEvery && !CheckPartial(choice)) {
        co_return false;
      }
      c.mutable_delta()->set_content(std::move(forward));
      continue;
    }
    auto outcome = co_await CheckFinal(choice);
    if (!outcome) co_return false;
    if (buffer_all_) {
      auto it = outcome->redacted.find(0);
      forward = it != outcome->redacted.end() ? it->second : choice.raw;
    } else {
      // Release what the redactors held back, in order through each one.
      std::string tail;
      for (auto& redactor : choice.redactors) {
        tail = redactor->Feed(tail);
        tail += redactor->Flush();
      }
      forward += tail;
    }
    c.mutable_delta()->set_content(std::move(forward));
  }
  co_return co_await inner_.Write(std::move(chunk));
}

}  // namespace across
