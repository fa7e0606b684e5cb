#include "tests/providers/gemini/fixture_util.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "gateway/upstream/sse_parser.h"
#include "providers/openai/openai_wire.h"

namespace across::gemini::testing {
namespace {

constexpr std::string_view kDir = "tests/providers/gemini/fixtures/";

std::string Show(const json::value& v) {
  std::string s = json::serialize(v);
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

void Walk(const json::value& want, const json::value& got, bool exact,
          const std::string& path, std::vector<std::string>& out) {
  if (want.is_number() && got.is_number()) {
    const double a = want.to_number<double>();
    const double b = got.to_number<double>();
    if (std::fabs(a - b) > 1e-9 * std::max(1.0, std::fabs(a))) {
      out.push_back(path + ": want " + Show(want) + ", got " + Show(got));
    }
    return;
  }
  if (want.kind() != got.kind()) {
    out.push_back(path + ": want " + Show(want) + ", got " + Show(got));
    return;
  }
  if (want.is_object()) {
    const json::object& w = want.get_object();
    const json::object& g = got.get_object();
    for (const auto& kv : w) {
      const std::string p = path + "." + std::string(kv.key());
      const json::value* a = g.if_contains(kv.key());
      const bool want_absent =
          kv.value().is_string() && kv.value().get_string() == kAbsent.data();
      if (want_absent) {
        if (a != nullptr) out.push_back(p + ": want absent, got " + Show(*a));
      } else if (a == nullptr) {
        out.push_back(p + ": missing (want " + Show(kv.value()) + ")");
      } else {
        Walk(kv.value(), *a, exact, p, out);
      }
    }
    if (exact) {
      for (const auto& kv : g) {
        if (!w.contains(kv.key())) {
          out.push_back(path + "." + std::string(kv.key()) +
                        ": unexpected, got " + Show(kv.value()));
        }
      }
    }
    return;
  }
  if (want.is_array()) {
    const json::array& w = want.get_array();
    const json::array& g = got.get_array();
    if (w.size() != g.size()) {
      out.push_back(path + ": want " + std::to_string(w.size()) +
                    " elements, got " + std::to_string(g.size()) + ": " +
                    Show(got));
      return;
    }
    for (size_t i = 0; i < w.size(); ++i) {
      Walk(w[i], g[i], exact, path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (want != got) {
    out.push_back(path + ": want " + Show(want) + ", got " + Show(got));
  }
}

}  // namespace

std::string LoadText(std::string_view fixture) {
  const std::string path = std::string(kDir) + std::string(fixture);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

json::value LoadJson(std::string_view fixture) {
  boost::system::error_code ec;
  json::value v = json::parse(LoadText(fixture), ec);
  EXPECT_FALSE(ec) << fixture << ": " << ec.message();
  return v;
}

std::vector<std::string> Diff(const json::value& expected,
                              const json::value& actual, bool exact) {
  std::vector<std::string> out;
  Walk(expected, actual, exact, "$", out);
  return out;
}

std::string Describe(const std::vector<std::string>& diffs) {
  std::string s;
  for (const auto& d : diffs) s += "\n  " + d;
  return s;
}

std::vector<std::string> SseData(std::string_view transcript) {
  std::vector<std::string> out;
  SseParser parser;
  parser.Feed(transcript, [&](const SseEvent& ev) {
    out.push_back(ev.data);
    return true;
  });
  EXPECT_FALSE(parser.HasPartialEvent()) << "transcript ends mid-event";
  return out;
}

v1::ChatRequest ParseOpenAiChat(const json::value& body) {
  auto parsed = openai::ParseChatRequest(json::serialize(body));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? parsed->request : v1::ChatRequest();
}

v1::EmbedRequest ParseOpenAiEmbed(const json::value& body) {
  auto parsed = openai::ParseEmbedRequest(json::serialize(body));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  return parsed.ok() ? parsed.value() : v1::EmbedRequest();
}

}  // namespace across::gemini::testing
