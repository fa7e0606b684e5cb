#include "gateway/routing/route_loader.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/routing/portkey_config.h"
#include "gateway/config/yaml_json.h"

namespace across::routing {
namespace {

Error LoadError(std::string_view source, std::string_view reason) {
  return Error::InvalidRequest(std::string(source) + ": " +
                               std::string(reason));
}

// protobuf reports "(targets[0]) weigth: Cannot find field." or
// "(targets[0].retry.attempts): invalid value ..."; rewrite both as
// "<field path>: <reason>" like the rest of the config errors.
std::string FieldError(std::string msg) {
  if (!msg.empty() && msg[0] == '(') {
    const size_t close = msg.find(')');
    if (close != std::string::npos) {
      std::string path = msg.substr(1, close - 1);
      std::string rest = msg.substr(close + 1);
      if (rest.rfind(": ", 0) == 0) {
        msg = path + rest;
      } else if (rest.rfind(" ", 0) == 0) {
        msg = path + (path.empty() ? "" : ".") + rest.substr(1);
      }
    }
  }
  const std::string kUnknown = "Cannot find field.";
  if (size_t at = msg.find(kUnknown); at != std::string::npos) {
    msg.replace(at, kUnknown.size(), "unknown field");
  }
  return msg;
}

template <typename Message>
Result<Message> FromJson(const std::string& json, std::string_view source) {
  Message msg;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(json, &msg, options);
  if (!status.ok()) {
    // protobuf names the field: "(targets[0]) weigth: Cannot find field."
    return LoadError(source, FieldError(std::string(status.message().data(),
                                                    status.message().size())));
  }
  return msg;
}

template <typename Message>
Result<Message> FromYaml(std::string_view text, std::string_view source) {
  auto json = YamlToJson(text, source);
  if (!json.ok()) return json.error();
  return FromJson<Message>(*json, source);
}

bool IsPortkey(const boost::json::object& o) {
  if (auto it = o.find("strategy"); it != o.end())
    return it->value().is_object();
  static const std::set<std::string> kNativeOnly = {"models",
                                                    "upstream_model",
                                                    "api_key_env",
                                                    "base_url",
                                                    "loadbalance_mode",
                                                    "on_status_codes",
                                                    "conditions",
                                                    "default",
                                                    "request_timeout_ms",
                                                    "connect_timeout_ms",
                                                    "first_token_timeout_ms",
                                                    "stream_idle_timeout_ms",
                                                    "breaker",
                                                    "max_inflight",
                                                    "max_queue",
                                                    "queue_timeout_ms"};
  for (const auto& kv : o) {
    if (kNativeOnly.count(std::string(kv.key()))) return false;
  }
  return true;
}

}  // namespace

Result<configpb::RouteNode> ParseRouteConfig(std::string_view text,
                                             std::string_view source) {
  return FromYaml<configpb::RouteNode>(text, source);
}

Result<configpb::RouteSet> ParseRouteSet(std::string_view text,
                                         std::string_view source) {
  return FromYaml<configpb::RouteSet>(text, source);
}

Result<configpb::RouteSet> LoadRouteFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return LoadError(path, "cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  return ParseRouteSet(text.str(), path);
}

Result<configpb::RouteNode> ParseRequestConfig(std::string_view json,
                                               ConfigDialect dialect,
                                               std::string_view source) {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(json, ec);
  if (ec) {
    if (json.rfind("pc-", 0) == 0) {
      return LoadError(source,
                       "saved Portkey config ids are not supported; send the "
                       "config JSON itself");
    }
    return LoadError(source, "invalid JSON: " + ec.message());
  }
  if (!parsed.is_object()) return LoadError(source, "must be a JSON object");
  if (dialect == ConfigDialect::kAuto) {
    dialect = IsPortkey(parsed.get_object()) ? ConfigDialect::kPortkey
                                             : ConfigDialect::kNative;
  }
  if (dialect == ConfigDialect::kPortkey) {
    return PortkeyToRoute(parsed.get_object(), source);
  }
  return FromJson<configpb::RouteNode>(std::string(json), source);
}

}  // namespace across::routing
