#include "gateway/routing/portkey_config.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "gateway/routing/json_convert.h"

namespace across::routing {
namespace {

namespace json = boost::json;
namespace configpb = ::across::config::v1;

// Portkey's own cap on retry attempts; larger values are clamped like
// Portkey does rather than rejected, so existing configs keep working.
constexpr int kMaxAttempts = 5;

// camelCase → snake_case ("onStatusCodes" → "on_status_codes").
std::string Snake(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

class Translator {
 public:
  explicit Translator(std::string_view source) : source_(source) {}

  Error Fail(const std::string& field, const std::string& reason) const {
    return Error::InvalidRequest(source_ + ": " + field + ": " + reason, field);
  }

  Result<std::string> String(const json::value& v,
                             const std::string& field) const {
    if (!v.is_string()) return Fail(field, "must be a string");
    return std::string(v.get_string());
  }

  Result<double> Number(const json::value& v, const std::string& field) const {
    if (v.is_int64()) return static_cast<double>(v.get_int64());
    if (v.is_uint64()) return static_cast<double>(v.get_uint64());
    if (v.is_double()) return v.get_double();
    return Fail(field, "must be a number");
  }

  Result<long> Integer(const json::value& v, const std::string& field) const {
    auto n = Number(v, field);
    if (!n.ok()) return n.error();
    if (*n != std::floor(*n) || std::abs(*n) > 2e9) {
      return Fail(field, "must be an integer");
    }
    return static_cast<long>(*n);
  }

  Status StatusCodes(const json::value& v, const std::string& field,
                     google::protobuf::RepeatedField<int32_t>* out) const {
    if (!v.is_array()) return Fail(field, "must be an array of status codes");
    const auto& a = v.get_array();
    for (size_t i = 0; i < a.size(); ++i) {
      auto code = Integer(a[i], field + "[" + std::to_string(i) + "]");
      if (!code.ok()) return code.error();
      out->Add(static_cast<int32_t>(*code));
    }
    return Ok{};
  }

  // `then` / `default`: a target name (Portkey) or an index.
  Status TargetRef(const json::value& v, const std::string& field,
                   google::protobuf::Value* out) const {
    if (!v.is_string() && !v.is_number()) {
      return Fail(field, "must be a target name");
    }
    *out = ToProto(v);
    return Ok{};
  }

  Status Strategy(const json::value& v, const std::string& field,
                  configpb::RouteNode& node) const {
    if (!v.is_object()) return Fail(field, "must be an object with a mode");
    bool has_mode = false;
    for (const auto& kv : v.get_object()) {
      const std::string key = Snake(kv.key());
      const std::string sub = field + "." + key;
      if (key == "mode") {
        auto mode = String(kv.value(), sub);
        if (!mode.ok()) return mode.error();
        if (*mode != "single" && *mode != "fallback" &&
            *mode != "loadbalance" && *mode != "conditional") {
          return Fail(sub, "unknown mode \"" + *mode +
                               "\" (expected single, fallback, loadbalance, "
                               "conditional)");
        }
        node.set_strategy(*mode);
        has_mode = true;
      } else if (key == "on_status_codes") {
        if (auto s =
                StatusCodes(kv.value(), sub, node.mutable_on_status_codes());
            !s.ok()) {
          return s;
        }
      } else if (key == "conditions") {
        if (!kv.value().is_array()) return Fail(sub, "must be an array");
        const auto& items = kv.value().get_array();
        for (size_t i = 0; i < items.size(); ++i) {
          const std::string item = sub + "[" + std::to_string(i) + "]";
          if (!items[i].is_object()) return Fail(item, "must be an object");
          auto* cond = node.add_conditions();
          for (const auto& c : items[i].get_object()) {
            const std::string ckey(c.key());
            if (ckey == "query") {
              if (!c.value().is_object())
                return Fail(item + ".query", "must be an object");
              *cond->mutable_query() = ToProto(c.value().get_object());
            } else if (ckey == "then") {
              if (auto s = TargetRef(c.value(), item + ".then",
                                     cond->mutable_then());
                  !s.ok()) {
                return s;
              }
            } else {
              return Fail(item + "." + ckey,
                          "unknown field (expected query, then)");
            }
          }
        }
      } else if (key == "default") {
        if (auto s = TargetRef(kv.value(), sub, node.mutable_default_());
            !s.ok()) {
          return s;
        }
      } else {
        return Fail(sub,
                    "unknown field (expected mode, on_status_codes, "
                    "conditions, default)");
      }
    }
    if (!has_mode) return Fail(field + ".mode", "is required");
    return Ok{};
  }

  Status Retry(const json::value& v, const std::string& field,
               configpb::RouteNode& node) const {
    if (!v.is_object()) return Fail(field, "must be an object");
    auto* retry = node.mutable_retry();
    for (const auto& kv : v.get_object()) {
      const std::string key = Snake(kv.key());
      const std::string sub = field + "." + key;
      if (key == "attempts") {
        auto n = Integer(kv.value(), sub);
        if (!n.ok()) return n.error();
        if (*n < 0) return Fail(sub, "must not be negative");
        retry->set_attempts(
            static_cast<int32_t>(std::min<long>(*n, kMaxAttempts)));
      } else if (key == "on_status_codes") {
        if (auto s =
                StatusCodes(kv.value(), sub, retry->mutable_on_status_codes());
            !s.ok()) {
          return s;
        }
      } else if (key == "use_retry_after_header") {
        if (!kv.value().is_bool()) return Fail(sub, "must be a boolean");
        retry->set_honor_retry_after(kv.value().get_bool());
      } else {
        return Fail(sub,
                    "unknown field (expected attempts, on_status_codes, "
                    "use_retry_after_header)");
      }
    }
    return Ok{};
  }

  Status Target(const json::object& obj, const std::string& prefix,
                configpb::RouteNode& node) const {
    static const std::set<std::string> kIgnored = {
        "virtual_key",
        "cache",
        "metadata",
        "forward_headers",
        "before_request_hooks",
        "after_request_hooks",
        "input_guardrails",
        "output_guardrails",
        "default_input_guardrails",
        "default_output_guardrails",
        "strict_open_ai_compliance",
        "id",
    };
    for (const auto& kv : obj) {
      const std::string key = Snake(kv.key());
      const std::string field = prefix + key;
      const json::value& v = kv.value();
      if (kIgnored.count(key)) continue;
      if (key == "strategy") {
        if (auto s = Strategy(v, field, node); !s.ok()) return s;
      } else if (key == "targets") {
        if (!v.is_array()) return Fail(field, "must be an array of targets");
        const auto& items = v.get_array();
        for (size_t i = 0; i < items.size(); ++i) {
          const std::string item = field + "[" + std::to_string(i) + "]";
          if (!items[i].is_object()) return Fail(item, "must be an object");
          if (auto s = Target(items[i].get_object(), item + ".",
                              *node.add_targets());
              !s.ok()) {
            return s;
          }
        }
      } else if (key == "name") {
        auto s = String(v, field);
        if (!s.ok()) return s.error();
        node.set_name(*s);
      } else if (key == "provider") {
        auto s = String(v, field);
        if (!s.ok()) return s.error();
        node.set_provider(*s);
      } else if (key == "api_key") {
        auto s = String(v, field);
        if (!s.ok()) return s.error();
        node.set_api_key(*s);
      } else if (key == "custom_host") {
        return Fail(field,
                    "is not allowed in a per-request config (per-request "
                    "base URLs are not supported)");
      } else if (key == "override_params") {
        if (!v.is_object()) return Fail(field, "must be an object");
        *node.mutable_override_params() = ToProto(v.get_object());
      } else if (key == "weight") {
        auto n = Number(v, field);
        if (!n.ok()) return n.error();
        node.set_weight(*n);
      } else if (key == "retry") {
        if (auto s = Retry(v, field, node); !s.ok()) return s;
      } else if (key == "request_timeout") {
        auto n = Integer(v, field);
        if (!n.ok()) return n.error();
        node.set_request_timeout_ms(static_cast<int32_t>(*n));
      } else {
        return Fail(field,
                    "unsupported Portkey config field (see "
                    "docs/routing.md for the supported ones)");
      }
    }
    return Ok{};
  }

 private:
  std::string source_;
};

}  // namespace

Result<configpb::RouteNode> PortkeyToRoute(const json::object& config,
                                           std::string_view source) {
  Translator t(source);
  configpb::RouteNode node;
  if (auto s = t.Target(config, "", node); !s.ok()) return s.error();
  return node;
}

Result<configpb::RouteNode> ParsePortkeyConfig(std::string_view text,
                                               std::string_view source) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) {
    return Error::InvalidRequest(std::string(source) +
                                 ": invalid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return Error::InvalidRequest(std::string(source) +
                                 ": must be a JSON object");
  }
  return PortkeyToRoute(v.get_object(), source);
}

}  // namespace across::routing
