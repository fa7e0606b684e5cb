#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "guardrails/async.h"
#include "tests/guardrails/test_util.h"

namespace across::guardrails::testing {
namespace {

constexpr char kParams[] =
    R"({"url":"https://guard.example.com/check",
        "headers":{"Authorization":"Bearer t0ken"},"timeout_ms":250})";

// A fake HTTP function: records the call and answers with `reply`.
struct FakeHttp {
  HttpOutcome reply;
  std::vector<HttpCall> calls;
  bool deferred = false;  // keep the callback instead of answering
  std::function<void(HttpOutcome)> pending;

  HttpFunction Function() {
    return [this](HttpCall call, std::function<void(HttpOutcome)> done) {
      calls.push_back(std::move(call));
      if (deferred) {
        pending = std::move(done);
      } else {
        done(reply);
      }
    };
  }
};

GuardrailResult RunCheck(const Guardrail& g, FakeHttp& http,
                         const GuardrailInput& input) {
  GuardrailResult result;
  bool called = false;
  CheckAsync(g, input, http.Function(), [&](GuardrailResult r) {
    result = std::move(r);
    called = true;
  });
  EXPECT_TRUE(called);
  return result;
}

TEST(Webhook, RequestDescription) {
  auto g = Build("webhook", kParams);
  ASSERT_NE(g, nullptr);
  ASSERT_NE(g->async(), nullptr);
  GuardrailInput input;
  input.model = "gpt-4o";
  input.metadata = {{"team", "search"}};
  input.max_tokens = 64;
  input.texts = {{0, "system", "be brief"}, {1, "user", "héllo"}};
  HttpCall call = g->async()->MakeCall(input);
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.url, "https://guard.example.com/check");
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(250));
  ASSERT_EQ(call.headers.size(), 2u);
  EXPECT_EQ(call.headers[0].second, "Bearer t0ken");
  EXPECT_EQ(call.headers[1].first, "Content-Type");
  auto body = boost::json::parse(call.body).as_object();
  EXPECT_EQ(body.at("guardrail_id"), "g");
  EXPECT_EQ(body.at("stage"), "input");
  EXPECT_EQ(body.at("model"), "gpt-4o");
  EXPECT_EQ(body.at("metadata").at("team"), "search");
  EXPECT_EQ(body.at("max_tokens"), 64);
  ASSERT_EQ(body.at("texts").as_array().size(), 2u);
  EXPECT_EQ(body.at("texts").at(1).at("text"), "héllo");
  EXPECT_EQ(body.at("texts").at(1).at("index"), 1);
}

struct Row {
  std::string name;
  std::string params;
  HttpOutcome reply;
  bool pass;
  bool error;
};

TEST(Webhook, Verdicts) {
  const std::string open = R"({"url":"http://g.local/x","fail_open":true})";
  const std::string closed = R"({"url":"http://g.local/x"})";
  const std::vector<Row> rows = {
      {"pass", closed, {"", 200, R"({"verdict":true})"}, true, false},
      {"fail",
       closed,
       {"", 200, R"({"verdict":false,"explanation":"toxic"})"},
       false,
       false},
      {"not",
       R"({"url":"http://g.local/x","not":true})",
       {"", 200, R"({"verdict":true})"},
       false,
       false},
      {"timeout, closed", closed, {"timeout", 0, ""}, false, true},
      {"timeout, open", open, {"timeout", 0, ""}, true, true},
      {"HTTP 500, closed", closed, {"", 500, "oops"}, false, true},
      {"HTTP 500, open", open, {"", 500, "oops"}, true, true},
      {"not JSON", closed, {"", 200, "yes"}, false, true},
      {"no verdict", open, {"", 200, R"({"ok":true})"}, true, true},
      {"verdict not bool",
       closed,
       {"", 200, R"({"verdict":"true"})"},
       false,
       true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto g = Build("webhook", row.params);
    ASSERT_NE(g, nullptr);
    FakeHttp http{row.reply};
    GuardrailResult r =
        RunCheck(*g, http, GuardrailInput::Output("some output"));
    EXPECT_EQ(r.passed(), row.pass) << r.explanation;
    EXPECT_EQ(!r.error.empty(), row.error) << r.error;
    EXPECT_EQ(http.calls.size(), 1u);
    EXPECT_EQ(r.id, "g");
  }
}

TEST(Webhook, ExplanationFromResponse) {
  auto g = Build("webhook", R"({"url":"http://g.local/x"})");
  FakeHttp http{{"", 200, R"({"verdict":false,"explanation":"contains PII"})"}};
  EXPECT_EQ(RunCheck(*g, http, GuardrailInput::Output("x")).explanation,
            "contains PII");
}

TEST(Webhook, CallbackMayComeLater) {
  auto g = Build("webhook", R"({"url":"http://g.local/x"})");
  FakeHttp http;
  http.deferred = true;
  std::optional<GuardrailResult> result;
  {
    // The input may go away once CheckAsync returns.
    std::string text = "temporary";
    CheckAsync(*g, GuardrailInput::Output(text), http.Function(),
               [&](GuardrailResult r) { result = std::move(r); });
  }
  EXPECT_FALSE(result.has_value());
  http.pending({"", 200, R"({"verdict":true})"});
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->passed());
  EXPECT_NE(http.calls[0].body.find("temporary"), std::string::npos);
}

TEST(Webhook, SyncCheckReportsMissingTransport) {
  auto g = Build("webhook", R"({"url":"http://g.local/x"})");
  GuardrailResult r = CheckOutput(*g, "x");
  EXPECT_FALSE(r.passed());  // fail closed
  EXPECT_FALSE(r.error.empty());
}

TEST(Webhook, SyncGuardrailsThroughCheckAsync) {
  auto g = Build("word_count", R"({"max":1})");
  FakeHttp http;
  GuardrailResult r = RunCheck(*g, http, GuardrailInput::Output("two words"));
  EXPECT_FALSE(r.passed());
  EXPECT_TRUE(http.calls.empty());
}

TEST(Webhook, BadParams) {
  ExpectLoadError("webhook", R"({})", "params.url");
  ExpectLoadError("webhook", R"({"url":"ftp://x/y"})", "params.url");
  ExpectLoadError("webhook", R"({"url":"not a url"})", "params.url");
  ExpectLoadError("webhook", R"({"url":"http://x","timeout_ms":0})",
                  "params.timeout_ms");
  ExpectLoadError("webhook", R"({"url":"http://x","timeout_ms":120000})",
                  "params.timeout_ms");
  ExpectLoadError("webhook", R"({"url":"http://x","headers":["a"]})",
                  "params.headers");
  ExpectLoadError("webhook", R"({"url":"http://x","headers":{"Host":"y"}})",
                  "params.headers.Host");
  ExpectLoadError("webhook",
                  R"({"url":"http://x","headers":{"X":"a\r\nB: c"}})",
                  "params.headers.X");
  ExpectLoadError("webhook", R"({"url":"http://x","fail_open":"yes"})",
                  "params.fail_open");
  EXPECT_EQ(BuildError("webhook", R"({"url":"http://x"})", "redact").field,
            "action");
}

}  // namespace
}  // namespace across::guardrails::testing
