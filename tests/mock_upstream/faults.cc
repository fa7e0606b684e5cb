#include "tests/mock_upstream/faults.h"

#include <boost/json/object.hpp>
#include <charconv>
#include <map>
#include <mutex>

#include "tests/mock_upstream/dialect.h"
#include "tests/mock_upstream/json_out.h"

namespace across::mock {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool ParseInt(std::string_view s, int64_t& out) {
  s = Trim(s);
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  out = v;
  return true;
}

bool ParseBool(std::string_view s) {
  s = Trim(s);
  return s == "1" || s == "true" || s == "yes" || s == "on";
}

ResetMode ParseReset(std::string_view s) {
  s = Trim(s);
  if (s == "before_headers") return ResetMode::kBeforeHeaders;
  if (s == "mid_stream") return ResetMode::kMidStream;
  return ResetMode::kNone;
}

// A "mock" field as text: strings as they are, numbers and booleans printed.
// Returns false when the field is absent or of another type.
bool FieldText(const boost::json::object& mock, std::string_view name,
               std::string& scratch, std::string_view& out) {
  auto it = mock.find(name);
  if (it == mock.end()) return false;
  const boost::json::value& v = it->value();
  scratch.clear();
  if (v.is_string()) {
    out = std::string_view(v.get_string().data(), v.get_string().size());
    return true;
  }
  if (v.is_int64()) {
    AppendInt(scratch, v.get_int64());
  } else if (v.is_uint64()) {
    AppendInt(scratch, static_cast<int64_t>(v.get_uint64()));
  } else if (v.is_double()) {
    AppendInt(scratch, static_cast<int64_t>(v.get_double()));
  } else if (v.is_bool()) {
    scratch = v.get_bool() ? "1" : "0";
  } else {
    return false;
  }
  out = scratch;
  return true;
}

// Bounds x-mock-words so a typo cannot exhaust memory.
constexpr int64_t kMaxWords = 1'000'000;

// One fault setting from either source.
using Setter = void (*)(Faults&, std::string_view);

struct Knob {
  std::string_view header;
  std::string_view field;
  Setter set;
};

void SetInt(int64_t& field, std::string_view v) {
  int64_t n;
  if (ParseInt(v, n)) field = n;
}

constexpr Knob kKnobs[] = {
    {"x-mock-status", "status",
     [](Faults& f, std::string_view v) {
       int64_t n;
       if (ParseInt(v, n)) f.status = static_cast<int>(n);
     }},
    {"x-mock-retry-after", "retry_after",
     [](Faults& f, std::string_view v) { f.retry_after = Trim(v); }},
    {"x-mock-retry-after-ms", "retry_after_ms",
     [](Faults& f, std::string_view v) { f.retry_after_ms = Trim(v); }},
    {"x-mock-latency-ms", "latency_ms",
     [](Faults& f, std::string_view v) { SetInt(f.latency_ms, v); }},
    {"x-mock-reset", "reset",
     [](Faults& f, std::string_view v) { f.reset = ParseReset(v); }},
    {"x-mock-truncate", "truncate",
     [](Faults& f, std::string_view v) { f.truncate = ParseBool(v); }},
    {"x-mock-drip-ms", "drip_ms",
     [](Faults& f, std::string_view v) { SetInt(f.drip_ms, v); }},
    {"x-mock-garbage", "garbage",
     [](Faults& f, std::string_view v) { f.garbage = ParseBool(v); }},
    {"x-mock-words", "words",
     [](Faults& f, std::string_view v) {
       SetInt(f.words, v);
       if (f.words > kMaxWords) f.words = kMaxWords;
     }},
    {"x-mock-fail-first", "fail_first",
     [](Faults& f, std::string_view v) { SetInt(f.fail_first, v); }},
    {"x-mock-key", "key",
     [](Faults& f, std::string_view v) { f.key = Trim(v); }},
    {"x-mock-stream-error", "stream_error",
     [](Faults& f, std::string_view v) { f.stream_error = ParseBool(v); }},
};

struct FailFirstCounters {
  std::mutex mu;
  std::map<std::string, int64_t, std::less<>> seen;
};

FailFirstCounters& Counters() {
  static FailFirstCounters* counters = new FailFirstCounters();
  return *counters;
}

}  // namespace

bool Faults::HasFailure() const {
  return status >= 400 || latency_ms > 0 || reset != ResetMode::kNone ||
         truncate || drip_ms > 0 || garbage || stream_error;
}

void Faults::ClearFailures() {
  const int64_t keep_words = words;
  *this = Faults();
  words = keep_words;
}

Faults ParseFaults(const Request& request) {
  Faults f;
  if (const boost::json::object* body = request.JsonObject()) {
    auto it = body->find("mock");
    if (it != body->end() && it->value().is_object()) {
      const boost::json::object& mock = it->value().get_object();
      std::string scratch;
      for (const Knob& knob : kKnobs) {
        std::string_view text;
        if (FieldText(mock, knob.field, scratch, text)) knob.set(f, text);
      }
    }
  }
  // Headers win. Most requests carry none, so scan the headers once rather
  // than looking each knob up.
  for (const auto& field : *request.msg) {
    const std::string_view name = Sv(field.name_string());
    if (name.size() < 7 || (name[0] != 'x' && name[0] != 'X') ||
        (name[6] != '-')) {
      continue;
    }
    for (const Knob& knob : kKnobs) {
      if (name.size() == knob.header.size() &&
          boost::beast::iequals(name, knob.header)) {
        knob.set(f, Sv(field.value()));
        break;
      }
    }
  }
  return f;
}

void ApplyFailFirst(Faults& faults) {
  if (faults.fail_first < 0) return;
  FailFirstCounters& c = Counters();
  int64_t n;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.seen.find(faults.key);
    if (it == c.seen.end()) it = c.seen.emplace(faults.key, 0).first;
    n = ++it->second;
  }
  if (n <= faults.fail_first) {
    if (!faults.HasFailure()) faults.status = 503;
  } else {
    faults.ClearFailures();
  }
}

void ResetFailFirst() {
  FailFirstCounters& c = Counters();
  std::lock_guard<std::mutex> lock(c.mu);
  c.seen.clear();
}

std::string_view ErrorTypeForStatus(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 408:
    case 504:
      return "timeout_error";
    case 429:
      return "rate_limit_error";
    default:
      return status >= 400 && status < 500 ? "invalid_request_error"
                                           : "api_error";
  }
}

std::string_view ErrorCodeForStatus(int status) {
  switch (status) {
    case 401:
      return "invalid_api_key";
    case 404:
      return "model_not_found";
    case 429:
      return "rate_limit_exceeded";
    default:
      return "";
  }
}

asio::awaitable<void> SendUnary(Conn& conn, const Faults& faults, int status,
                                std::string_view content_type,
                                std::string_view body,
                                std::span<const Header> extra) {
  if (faults.garbage && status < 300) {
    body = "<html>mock garbage: this is not JSON {\"choices\": [";
  }
  if (faults.truncate) {
    // Promise more than is sent, then close cleanly.
    const int64_t promised = static_cast<int64_t>(body.size()) * 2 + 16;
    if (co_await conn.SendHead(status, content_type, promised, extra) &&
        co_await conn.SendRaw(body)) {
      conn.Close();
    }
    co_return;
  }
  if (faults.reset == ResetMode::kMidStream) {
    if (co_await conn.SendHead(status, content_type,
                               static_cast<int64_t>(body.size()), extra) &&
        co_await conn.SendRaw(body.substr(0, body.size() / 2))) {
      // Let the peer read what was sent before the RST discards it.
      co_await conn.Sleep(std::chrono::milliseconds(20));
      conn.Reset();
    }
    co_return;
  }
  co_await conn.Send(status, content_type, body, extra);
}

}  // namespace across::mock
