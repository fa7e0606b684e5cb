#include "tests/guardrails/test_util.h"

#include <boost/json/parse.hpp>

namespace across::guardrails::testing {
namespace {

boost::json::value Spec(std::string_view id, std::string_view type,
                        std::string_view params_json, std::string_view action) {
  boost::json::object o;
  o["id"] = id;
  o["type"] = type;
  o["params"] = boost::json::parse(params_json);
  o["action"] = action;
  return o;
}

}  // namespace

std::shared_ptr<const Guardrail> Build(std::string_view type,
                                       std::string_view params_json,
                                       std::string_view action) {
  auto spec = ParseGuardrailSpec(Spec("g", type, params_json, action), 0);
  if (!spec) {
    ADD_FAILURE() << spec.error().ToString();
    return nullptr;
  }
  auto g = BuildGuardrail(*spec);
  if (!g) {
    ADD_FAILURE() << g.error().ToString();
    return nullptr;
  }
  return *g;
}

ConfigError BuildError(std::string_view type, std::string_view params_json,
                       std::string_view action) {
  auto list = BuildGuardrails(
      boost::json::array{Spec("bad", type, params_json, action)});
  if (list) {
    ADD_FAILURE() << type << " " << params_json << " loaded";
    return {};
  }
  return list.error();
}

GuardrailResult CheckOutput(const Guardrail& g, std::string_view text,
                            bool partial) {
  return g.Check(GuardrailInput::Output(text, partial));
}

GuardrailResult CheckMessages(
    const Guardrail& g,
    const std::vector<std::pair<std::string, std::string>>& messages) {
  GuardrailInput input;
  for (size_t i = 0; i < messages.size(); ++i) {
    input.texts.push_back({i, messages[i].first, messages[i].second});
  }
  return g.Check(input);
}

GuardrailInput Request(std::string_view model,
                       std::map<std::string, std::string, std::less<>> metadata,
                       std::optional<int64_t> max_tokens) {
  GuardrailInput input;
  input.model = model;
  input.metadata = std::move(metadata);
  input.max_tokens = max_tokens;
  input.texts.push_back({0, "user", "hello"});
  return input;
}

void RunRequestTable(std::string_view type,
                     const std::vector<RequestRow>& rows) {
  for (const RequestRow& row : rows) {
    SCOPED_TRACE(row.name);
    auto g = Build(type, row.params);
    ASSERT_NE(g, nullptr);
    GuardrailResult r = g->Check(row.input);
    EXPECT_EQ(r.passed(), row.pass) << r.explanation;
    EXPECT_FALSE(r.explanation.empty());
    EXPECT_TRUE(r.failed_messages.empty());
    GuardrailInput output = row.input;
    output.stage = Stage::kOutput;
    EXPECT_EQ(g->Check(output).passed(), row.pass);
  }
}

void RunTable(std::string_view type, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto g = Build(type, row.params);
    ASSERT_NE(g, nullptr);
    GuardrailResult r = CheckOutput(*g, row.text);
    EXPECT_EQ(r.passed(), row.pass) << r.explanation;
    EXPECT_FALSE(r.explanation.empty());
    EXPECT_EQ(r.id, "g");
    EXPECT_EQ(r.kind, type);
  }
}

void ExpectLoadError(std::string_view type, std::string_view params,
                     std::string_view field) {
  SCOPED_TRACE(std::string(type) + " " + std::string(params));
  ConfigError e = BuildError(type, params);
  EXPECT_EQ(e.guardrail_id, "bad");
  EXPECT_EQ(e.field, field) << e.ToString();
  EXPECT_NE(e.ToString().find("\"bad\""), std::string::npos) << e.ToString();
}

std::string LongProse(size_t n) {
  static constexpr std::string_view kSentence =
      "The quick brown fox jumps over the lazy dog while the committee "
      "reviews the quarterly report. ";
  std::string out;
  out.reserve(n + kSentence.size());
  while (out.size() < n) out += kSentence;
  out.resize(n);
  return out;
}

}  // namespace across::guardrails::testing
