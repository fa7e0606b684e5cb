#include "providers/openai/openai_wire.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <bit>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "providers/openai/json_writer.h"

namespace across::openai {
namespace {

namespace json = boost::json;
using google::protobuf::Struct;
using google::protobuf::Value;

// Returns the Error held by an optional from the enclosing function.
#define ACROSS_TRY(expr)                                     \
  do {                                                       \
    if (auto try_err_ = (expr)) return std::move(*try_err_); \
  } while (0)

using MaybeError = std::optional<Error>;

constexpr std::string_view kBadJsonMessage =
    "We could not parse the JSON body of your request. (HINT: This likely "
    "means you aren't using your HTTP library correctly. The API expects a "
    "JSON payload, but what was sent was not valid JSON.)";

// Keeps small documents (stream chunks, typical requests) off the heap.
class JsonDoc {
 public:
  JsonDoc() : root_(json::storage_ptr(&mr_)) {}
  JsonDoc(const JsonDoc&) = delete;
  JsonDoc& operator=(const JsonDoc&) = delete;

  bool Parse(std::string_view text) {
    json::parse_options opts;
    opts.max_depth =
        64;  // JSON schemas in tools nest deeper than the 32 default
    boost::system::error_code ec;
    // Same resource on both sides, so the move assignment does not copy.
    root_ = json::parse(json::string_view(text.data(), text.size()), ec,
                        json::storage_ptr(&mr_), opts);
    return !ec;
  }
  const json::value& root() const { return root_; }

 private:
  unsigned char buffer_[4096];
  json::monotonic_resource mr_{buffer_, sizeof buffer_};
  json::value root_;
};

std::string_view SV(const json::string& s) { return {s.data(), s.size()}; }
std::string_view SV(json::string_view s) { return {s.data(), s.size()}; }

// ---- Struct <-> JSON --------------------------------------------------------

void ToProto(const json::value& j, Value* out);

void ToProtoStruct(const json::object& o, Struct* out) {
  auto& fields = *out->mutable_fields();
  for (const auto& kv : o) {
    ToProto(kv.value(), &fields[std::string(SV(kv.key()))]);
  }
}

void ToProto(const json::value& j, Value* out) {
  switch (j.kind()) {
    case json::kind::null:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::kind::bool_:
      out->set_bool_value(j.get_bool());
      break;
    case json::kind::int64:
      out->set_number_value(static_cast<double>(j.get_int64()));
      break;
    case json::kind::uint64:
      out->set_number_value(static_cast<double>(j.get_uint64()));
      break;
    case json::kind::double_:
      out->set_number_value(j.get_double());
      break;
    case json::kind::string:
      out->set_string_value(std::string(SV(j.get_string())));
      break;
    case json::kind::array: {
      auto* list = out->mutable_list_value();
      for (const auto& e : j.get_array()) ToProto(e, list->add_values());
      break;
    }
    case json::kind::object:
      ToProtoStruct(j.get_object(), out->mutable_struct_value());
      break;
  }
}

// ---- Small readers ----------------------------------------------------------

bool IsNumber(const json::value& v) {
  return v.is_double() || v.is_int64() || v.is_uint64();
}

double ToDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return 0;
}

// Integral JSON numbers, including integral doubles such as 100.0.
std::optional<int64_t> ToInt64(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    uint64_t u = v.get_uint64();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(u);
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) {
      return static_cast<int64_t>(d);
    }
  }
  return std::nullopt;
}

// Lenient integer for upstream responses: never fails, clamps to int32.
int32_t ToInt32Lenient(const json::value* v) {
  if (v == nullptr || !IsNumber(*v)) return 0;
  double d = ToDouble(*v);
  if (d <= 0) return 0;
  if (d >= std::numeric_limits<int32_t>::max()) {
    return std::numeric_limits<int32_t>::max();
  }
  return static_cast<int32_t>(d);
}

int64_t ToInt64Lenient(const json::value* v) {
  if (v == nullptr || !IsNumber(*v)) return 0;
  if (auto i = ToInt64(*v)) return *i;
  return static_cast<int64_t>(ToDouble(*v));
}

std::string_view GetStr(const json::object& o, std::string_view key) {
  const json::value* v =
      o.if_contains(json::string_view(key.data(), key.size()));
  return v != nullptr && v->is_string() ? SV(v->get_string())
                                        : std::string_view{};
}

const json::value* Get(const json::object& o, std::string_view key) {
  return o.if_contains(json::string_view(key.data(), key.size()));
}

const json::object* GetObj(const json::object& o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* GetArr(const json::object& o, std::string_view key) {
  const json::value* v = Get(o, key);
  return v != nullptr && v->is_array() ? &v->get_array() : nullptr;
}

// ---- Request validation errors ---------------------------------------------

Error MustBe(std::string param, std::string_view what) {
  std::string message = "'" + param + "' must be " + std::string(what);
  return Error::InvalidRequest(std::move(message), std::move(param));
}

Error Missing(std::string param) {
  std::string message = "Missing required parameter: '" + param + "'.";
  return Error::InvalidRequest(std::move(message), std::move(param));
}

Error BadValue(std::string param, std::string_view value,
               std::string_view supported) {
  std::string message =
      "Invalid value for '" + param + "': '" + std::string(value) +
      "'. Supported values are: " + std::string(supported) + ".";
  return Error::InvalidRequest(std::move(message), std::move(param));
}

std::string Indexed(std::string_view base, size_t i,
                    std::string_view suffix = "") {
  std::string s(base);
  s += '[';
  s += std::to_string(i);
  s += ']';
  s += suffix;
  return s;
}

MaybeError ReadDouble(const json::value& v, std::string_view param,
                      double* out) {
  if (!IsNumber(v)) return MustBe(std::string(param), "a number");
  *out = ToDouble(v);
  return std::nullopt;
}

MaybeError ReadInt64(const json::value& v, std::string_view param,
                     int64_t* out) {
  auto i = ToInt64(v);
  if (!i) return MustBe(std::string(param), "an integer");
  *out = *i;
  return std::nullopt;
}

MaybeError ReadInt32(const json::value& v, std::string_view param,
                     int32_t* out) {
  int64_t i = 0;
  ACROSS_TRY(ReadInt64(v, param, &i));
  if (i < std::numeric_limits<int32_t>::min() ||
      i > std::numeric_limits<int32_t>::max()) {
    return MustBe(std::string(param), "a 32-bit integer");
  }
  *out = static_cast<int32_t>(i);
  return std::nullopt;
}

MaybeError ReadBool(const json::value& v, std::string_view param, bool* out) {
  if (!v.is_bool()) return MustBe(std::string(param), "a boolean");
  *out = v.get_bool();
  return std::nullopt;
}

MaybeError ReadString(const json::value& v, std::string_view param,
                      std::string* out) {
  if (!v.is_string()) return MustBe(std::string(param), "a string");
  *out = SV(v.get_string());
  return std::nullopt;
}

// Function-call arguments are JSON text; a few clients send an object.
std::string ArgumentsText(const json::value& v) {
  if (v.is_string()) return std::string(SV(v.get_string()));
  if (v.is_null()) return "";
  return json::serialize(v);
}

// ---- Chat request keys ------------------------------------------------------

enum class ChatKey {
  kUnknown,
  kModel,
  kMessages,
  kTemperature,
  kTopP,
  kMaxTokens,
  kMaxCompletionTokens,
  kStop,
  kSeed,
  kN,
  kPresencePenalty,
  kFrequencyPenalty,
  kResponseFormat,
  kUser,
  kTools,
  kToolChoice,
  kParallelToolCalls,
  kLogprobs,
  kTopLogprobs,
  kLogitBias,
  kReasoningEffort,
  kStreamOptions,
  kMetadata,
  kStream,
};

ChatKey LookupChatKey(std::string_view key) {
  static const auto* const kKeys =
      new std::unordered_map<std::string_view, ChatKey>{
          {"model", ChatKey::kModel},
          {"messages", ChatKey::kMessages},
          {"temperature", ChatKey::kTemperature},
          {"top_p", ChatKey::kTopP},
          {"max_tokens", ChatKey::kMaxTokens},
          {"max_completion_tokens", ChatKey::kMaxCompletionTokens},
          {"stop", ChatKey::kStop},
          {"seed", ChatKey::kSeed},
          {"n", ChatKey::kN},
          {"presence_penalty", ChatKey::kPresencePenalty},
          {"frequency_penalty", ChatKey::kFrequencyPenalty},
          {"response_format", ChatKey::kResponseFormat},
          {"user", ChatKey::kUser},
          {"tools", ChatKey::kTools},
          {"tool_choice", ChatKey::kToolChoice},
          {"parallel_tool_calls", ChatKey::kParallelToolCalls},
          {"logprobs", ChatKey::kLogprobs},
          {"top_logprobs", ChatKey::kTopLogprobs},
          {"logit_bias", ChatKey::kLogitBias},
          {"reasoning_effort", ChatKey::kReasoningEffort},
          {"stream_options", ChatKey::kStreamOptions},
          {"metadata", ChatKey::kMetadata},
          {"stream", ChatKey::kStream},
      };
  auto it = kKeys->find(key);
  return it == kKeys->end() ? ChatKey::kUnknown : it->second;
}

// True when SerializeChatRequest writes `key` from a typed field, so an
// extra_params entry of the same name must not be written too.
bool TypedKeyWritten(const v1::ChatRequest& r, std::string_view key) {
  switch (LookupChatKey(key)) {
    case ChatKey::kUnknown:
      return false;
    case ChatKey::kModel:
    case ChatKey::kMessages:
    case ChatKey::kStream:
    case ChatKey::kStreamOptions:
      return true;  // the gateway owns these
    case ChatKey::kTemperature:
      return r.has_temperature();
    case ChatKey::kTopP:
      return r.has_top_p();
    case ChatKey::kMaxTokens:
      return r.has_max_tokens();
    case ChatKey::kMaxCompletionTokens:
      return r.has_max_completion_tokens();
    case ChatKey::kStop:
      return r.stop_size() > 0;
    case ChatKey::kSeed:
      return r.has_seed();
    case ChatKey::kN:
      return r.has_n();
    case ChatKey::kPresencePenalty:
      return r.has_presence_penalty();
    case ChatKey::kFrequencyPenalty:
      return r.has_frequency_penalty();
    case ChatKey::kResponseFormat:
      return !r.response_format().type().empty();
    case ChatKey::kUser:
      return !r.user().empty();
    case ChatKey::kTools:
      return r.tools_size() > 0;
    case ChatKey::kToolChoice:
      return r.tool_choice().choice_case() != v1::ToolChoice::CHOICE_NOT_SET;
    case ChatKey::kParallelToolCalls:
      return r.has_parallel_tool_calls();
    case ChatKey::kLogprobs:
      return r.has_logprobs();
    case ChatKey::kTopLogprobs:
      return r.has_top_logprobs();
    case ChatKey::kLogitBias:
      return r.logit_bias_size() > 0;
    case ChatKey::kReasoningEffort:
      return !r.reasoning_effort().empty();
    case ChatKey::kMetadata:
      return r.metadata_size() > 0;
  }
  return false;
}

// ---- Chat request parsing ---------------------------------------------------

MaybeError ParseContentParts(const json::array& parts, size_t mi,
                             v1::Message* m) {
  auto path = [&](size_t j, std::string_view suffix) {
    return Indexed(Indexed("messages", mi, ".content"), j, suffix);
  };
  m->mutable_parts()->Reserve(static_cast<int>(parts.size()));
  for (size_t j = 0; j < parts.size(); ++j) {
    if (!parts[j].is_object()) return MustBe(path(j, ""), "an object");
    const json::object& p = parts[j].get_object();
    const json::value* type = Get(p, "type");
    if (type == nullptr || type->is_null()) return Missing(path(j, ".type"));
    if (!type->is_string()) return MustBe(path(j, ".type"), "a string");
    std::string_view t = SV(type->get_string());
    if (t == "text") {
      const json::value* text = Get(p, "text");
      if (text == nullptr) return Missing(path(j, ".text"));
      ACROSS_TRY(
          ReadString(*text, path(j, ".text"), m->add_parts()->mutable_text()));
    } else if (t == "image_url") {
      const json::value* iu = Get(p, "image_url");
      if (iu == nullptr || iu->is_null()) return Missing(path(j, ".image_url"));
      auto* image = m->add_parts()->mutable_image_url();
      if (iu->is_string()) {  // shorthand some clients use
        image->set_url(std::string(SV(iu->get_string())));
        continue;
      }
      if (!iu->is_object()) return MustBe(path(j, ".image_url"), "an object");
      const json::value* url = Get(iu->get_object(), "url");
      if (url == nullptr) return Missing(path(j, ".image_url.url"));
      ACROSS_TRY(
          ReadString(*url, path(j, ".image_url.url"), image->mutable_url()));
      const json::value* detail = Get(iu->get_object(), "detail");
      if (detail != nullptr && !detail->is_null()) {
        ACROSS_TRY(ReadString(*detail, path(j, ".image_url.detail"),
                              image->mutable_detail()));
      }
    } else {
      return BadValue(path(j, ".type"), t, "'text' and 'image_url'");
    }
  }
  return std::nullopt;
}

MaybeError ParseMessageToolCalls(const json::array& calls, size_t mi,
                                 v1::Message* m) {
  auto path = [&](size_t j, std::string_view suffix) {
    return Indexed(Indexed("messages", mi, ".tool_calls"), j, suffix);
  };
  for (size_t j = 0; j < calls.size(); ++j) {
    if (!calls[j].is_object()) return MustBe(path(j, ""), "an object");
    const json::object& c = calls[j].get_object();
    auto* tc = m->add_tool_calls();
    tc->set_index(static_cast<int32_t>(j));
    if (const json::value* id = Get(c, "id"); id != nullptr && !id->is_null()) {
      ACROSS_TRY(ReadString(*id, path(j, ".id"), tc->mutable_id()));
    }
    if (const json::value* type = Get(c, "type");
        type != nullptr && !type->is_null()) {
      ACROSS_TRY(ReadString(*type, path(j, ".type"), tc->mutable_type()));
    } else {
      tc->set_type("function");
    }
    const json::value* fn = Get(c, "function");
    if (fn == nullptr || fn->is_null()) return Missing(path(j, ".function"));
    if (!fn->is_object()) return MustBe(path(j, ".function"), "an object");
    const json::value* name = Get(fn->get_object(), "name");
    if (name == nullptr) return Missing(path(j, ".function.name"));
    ACROSS_TRY(ReadString(*name, path(j, ".function.name"),
                          tc->mutable_function()->mutable_name()));
    if (const json::value* args = Get(fn->get_object(), "arguments")) {
      tc->mutable_function()->set_arguments(ArgumentsText(*args));
    }
  }
  return std::nullopt;
}

MaybeError ParseMessage(const json::value& v, size_t i, v1::Message* m) {
  auto path = [&](std::string_view suffix) {
    return Indexed("messages", i, suffix);
  };
  if (!v.is_object()) return MustBe(path(""), "an object");
  const json::object& o = v.get_object();

  const json::value* role = Get(o, "role");
  if (role == nullptr || role->is_null()) return Missing(path(".role"));
  if (!role->is_string()) return MustBe(path(".role"), "a string");
  v1::Role r = RoleFromName(SV(role->get_string()));
  if (r == v1::ROLE_UNSPECIFIED) {
    return BadValue(path(".role"), SV(role->get_string()),
                    "'system', 'user', 'assistant', 'tool', and 'developer'");
  }
  m->set_role(r);

  bool has_content = false;
  for (const auto& kv : o) {
    std::string_view key = SV(kv.key());
    const json::value& val = kv.value();
    if (key == "content") {
      if (val.is_string()) {
        m->set_content(std::string(SV(val.get_string())));
        has_content = true;
      } else if (val.is_array()) {
        ACROSS_TRY(ParseContentParts(val.get_array(), i, m));
        has_content = true;
      } else if (!val.is_null()) {
        return MustBe(path(".content"), "a string or an array of parts");
      }
    } else if (key == "name") {
      if (!val.is_null()) {
        ACROSS_TRY(ReadString(val, path(".name"), m->mutable_name()));
      }
    } else if (key == "tool_calls") {
      if (val.is_null()) continue;
      if (!val.is_array()) return MustBe(path(".tool_calls"), "an array");
      ACROSS_TRY(ParseMessageToolCalls(val.get_array(), i, m));
    } else if (key == "tool_call_id") {
      if (!val.is_null()) {
        ACROSS_TRY(
            ReadString(val, path(".tool_call_id"), m->mutable_tool_call_id()));
      }
    } else if (key == "refusal") {
      if (!val.is_null()) {
        ACROSS_TRY(ReadString(val, path(".refusal"), m->mutable_refusal()));
      }
    } else if (key == "reasoning_content") {
      if (!val.is_null()) {
        ACROSS_TRY(ReadString(val, path(".reasoning_content"),
                              m->mutable_reasoning_content()));
      }
    }
    // Other keys (audio, legacy function_call, ...) have no typed home and
    // are dropped rather than failing the request.
  }
  // Only assistant messages may omit content (when they carry tool calls).
  if (!has_content && r != v1::ROLE_ASSISTANT) {
    return Missing(path(".content"));
  }
  if (r == v1::ROLE_TOOL && m->tool_call_id().empty()) {
    return Missing(path(".tool_call_id"));
  }
  return std::nullopt;
}

bool HasNonFunctionTool(const json::array& tools) {
  for (const auto& t : tools) {
    if (!t.is_object()) continue;
    std::string_view type = GetStr(t.get_object(), "type");
    if (!type.empty() && type != "function") return true;
  }
  return false;
}

MaybeError ParseTools(const json::array& tools, v1::ChatRequest* req) {
  for (size_t j = 0; j < tools.size(); ++j) {
    if (!tools[j].is_object()) {
      return MustBe(Indexed("tools", j), "an object");
    }
    const json::object& t = tools[j].get_object();
    const json::value* fn = Get(t, "function");
    if (fn == nullptr || fn->is_null()) {
      return Missing(Indexed("tools", j, ".function"));
    }
    if (!fn->is_object()) {
      return MustBe(Indexed("tools", j, ".function"), "an object");
    }
    const json::object& f = fn->get_object();
    auto* tool = req->add_tools();
    tool->set_type("function");
    auto* def = tool->mutable_function();
    const json::value* name = Get(f, "name");
    if (name == nullptr || name->is_null()) {
      return Missing(Indexed("tools", j, ".function.name"));
    }
    ACROSS_TRY(ReadString(*name, Indexed("tools", j, ".function.name"),
                          def->mutable_name()));
    if (const json::value* d = Get(f, "description"); d && !d->is_null()) {
      ACROSS_TRY(ReadString(*d, Indexed("tools", j, ".function.description"),
                            def->mutable_description()));
    }
    if (const json::value* p = Get(f, "parameters"); p && !p->is_null()) {
      if (!p->is_object()) {
        return MustBe(Indexed("tools", j, ".function.parameters"), "an object");
      }
      ToProtoStruct(p->get_object(), def->mutable_parameters());
    }
    if (const json::value* s = Get(f, "strict"); s && !s->is_null()) {
      bool strict = false;
      ACROSS_TRY(
          ReadBool(*s, Indexed("tools", j, ".function.strict"), &strict));
      def->set_strict(strict);
    }
  }
  return std::nullopt;
}

// Returns true when the value was consumed into a typed field; false when it
// is a form the typed API cannot hold and should pass through untouched.
Result<bool> ParseToolChoice(const json::value& v, v1::ChatRequest* req) {
  if (v.is_string()) {
    std::string_view mode = SV(v.get_string());
    if (mode != "none" && mode != "auto" && mode != "required") {
      return BadValue("tool_choice", mode, "'none', 'auto', and 'required'");
    }
    req->mutable_tool_choice()->set_mode(std::string(mode));
    return true;
  }
  if (!v.is_object()) return MustBe("tool_choice", "a string or an object");
  const json::object& o = v.get_object();
  if (GetStr(o, "type") != "function") return false;  // e.g. allowed_tools
  const json::object* fn = GetObj(o, "function");
  if (fn == nullptr) return Missing("tool_choice.function");
  const json::value* name = Get(*fn, "name");
  if (name == nullptr) return Missing("tool_choice.function.name");
  std::string n;
  ACROSS_TRY(ReadString(*name, "tool_choice.function.name", &n));
  req->mutable_tool_choice()->set_function_name(std::move(n));
  return true;
}

Result<bool> ParseResponseFormat(const json::value& v, v1::ChatRequest* req) {
  if (!v.is_object()) return MustBe("response_format", "an object");
  const json::object& o = v.get_object();
  const json::value* type = Get(o, "type");
  if (type == nullptr || type->is_null()) {
    return Missing("response_format.type");
  }
  if (!type->is_string()) return MustBe("response_format.type", "a string");
  std::string_view t = SV(type->get_string());
  if (t != "text" && t != "json_object" && t != "json_schema") {
    return false;  // provider-specific formats (grammar, regex, ...)
  }
  auto* rf = req->mutable_response_format();
  rf->set_type(std::string(t));
  if (t != "json_schema") return true;
  const json::value* js = Get(o, "json_schema");
  if (js == nullptr || js->is_null()) {
    return Missing("response_format.json_schema");
  }
  if (!js->is_object()) {
    return MustBe("response_format.json_schema", "an object");
  }
  const json::object& s = js->get_object();
  auto* out = rf->mutable_json_schema();
  if (const json::value* n = Get(s, "name"); n && !n->is_null()) {
    ACROSS_TRY(ReadString(*n, "response_format.json_schema.name",
                          out->mutable_name()));
  }
  if (const json::value* d = Get(s, "description"); d && !d->is_null()) {
    ACROSS_TRY(ReadString(*d, "response_format.json_schema.description",
                          out->mutable_description()));
  }
  if (const json::value* sc = Get(s, "schema"); sc && !sc->is_null()) {
    if (!sc->is_object()) {
      return MustBe("response_format.json_schema.schema", "an object");
    }
    ToProtoStruct(sc->get_object(), out->mutable_schema());
  }
  if (const json::value* st = Get(s, "strict"); st && !st->is_null()) {
    bool strict = false;
    ACROSS_TRY(ReadBool(*st, "response_format.json_schema.strict", &strict));
    out->set_strict(strict);
  }
  return true;
}

void PassThrough(std::string_view key, const json::value& v,
                 v1::ChatRequest* req) {
  ToProto(v,
          &(*req->mutable_extra_params()->mutable_fields())[std::string(key)]);
}

MaybeError ParseChatField(ChatKey k, std::string_view key, const json::value& v,
                          ParsedChatRequest* out) {
  v1::ChatRequest* req = &out->request;
  if (k == ChatKey::kUnknown) {
    PassThrough(key, v, req);
    return std::nullopt;
  }
  // OpenAI treats an explicit null like an absent optional parameter.
  if (v.is_null()) return std::nullopt;
  switch (k) {
    case ChatKey::kUnknown:
      break;
    case ChatKey::kModel:
      return ReadString(v, "model", req->mutable_model());
    case ChatKey::kMessages: {
      if (!v.is_array()) return MustBe("messages", "an array");
      const json::array& msgs = v.get_array();
      if (msgs.empty()) {
        return Error::InvalidRequest(
            "Invalid 'messages': empty array. Expected an array with minimum "
            "length 1, but got an empty array instead.",
            "messages");
      }
      req->mutable_messages()->Reserve(static_cast<int>(msgs.size()));
      for (size_t i = 0; i < msgs.size(); ++i) {
        ACROSS_TRY(ParseMessage(msgs[i], i, req->add_messages()));
      }
      return std::nullopt;
    }
    case ChatKey::kTemperature: {
      double d = 0;
      ACROSS_TRY(ReadDouble(v, key, &d));
      req->set_temperature(d);
      return std::nullopt;
    }
    case ChatKey::kTopP: {
      double d = 0;
      ACROSS_TRY(ReadDouble(v, key, &d));
      req->set_top_p(d);
      return std::nullopt;
    }
    case ChatKey::kPresencePenalty: {
      double d = 0;
      ACROSS_TRY(ReadDouble(v, key, &d));
      req->set_presence_penalty(d);
      return std::nullopt;
    }
    case ChatKey::kFrequencyPenalty: {
      double d = 0;
      ACROSS_TRY(ReadDouble(v, key, &d));
      req->set_frequency_penalty(d);
      return std::nullopt;
    }
    case ChatKey::kMaxTokens: {
      int32_t i = 0;
      ACROSS_TRY(ReadInt32(v, key, &i));
      req->set_max_tokens(i);
      return std::nullopt;
    }
    case ChatKey::kMaxCompletionTokens: {
      int32_t i = 0;
      ACROSS_TRY(ReadInt32(v, key, &i));
      req->set_max_completion_tokens(i);
      return std::nullopt;
    }
    case ChatKey::kN: {
      int32_t i = 0;
      ACROSS_TRY(ReadInt32(v, key, &i));
      req->set_n(i);
      return std::nullopt;
    }
    case ChatKey::kTopLogprobs: {
      int32_t i = 0;
      ACROSS_TRY(ReadInt32(v, key, &i));
      req->set_top_logprobs(i);
      return std::nullopt;
    }
    case ChatKey::kSeed: {
      int64_t i = 0;
      ACROSS_TRY(ReadInt64(v, key, &i));
      req->set_seed(i);
      return std::nullopt;
    }
    case ChatKey::kStop:
      if (v.is_string()) {
        req->add_stop(std::string(SV(v.get_string())));
        return std::nullopt;
      }
      if (v.is_array()) {
        for (const auto& s : v.get_array()) {
          if (!s.is_string()) {
            return MustBe("stop", "a string or an array of strings");
          }
          req->add_stop(std::string(SV(s.get_string())));
        }
        return std::nullopt;
      }
      return MustBe("stop", "a string or an array of strings");
    case ChatKey::kResponseFormat: {
      auto consumed = ParseResponseFormat(v, req);
      if (!consumed.ok()) return consumed.error();
      if (!*consumed) PassThrough(key, v, req);
      return std::nullopt;
    }
    case ChatKey::kUser:
      return ReadString(v, "user", req->mutable_user());
    case ChatKey::kTools: {
      if (!v.is_array()) return MustBe("tools", "an array");
      // Tools the typed API cannot describe (custom, built-in) keep the
      // whole list in its original JSON form.
      if (HasNonFunctionTool(v.get_array())) {
        PassThrough(key, v, req);
        return std::nullopt;
      }
      return ParseTools(v.get_array(), req);
    }
    case ChatKey::kToolChoice: {
      auto consumed = ParseToolChoice(v, req);
      if (!consumed.ok()) return consumed.error();
      if (!*consumed) PassThrough(key, v, req);
      return std::nullopt;
    }
    case ChatKey::kParallelToolCalls: {
      bool b = false;
      ACROSS_TRY(ReadBool(v, key, &b));
      req->set_parallel_tool_calls(b);
      return std::nullopt;
    }
    case ChatKey::kLogprobs: {
      bool b = false;
      ACROSS_TRY(ReadBool(v, key, &b));
      req->set_logprobs(b);
      return std::nullopt;
    }
    case ChatKey::kLogitBias: {
      if (!v.is_object()) return MustBe("logit_bias", "an object");
      auto& bias = *req->mutable_logit_bias();
      for (const auto& kv : v.get_object()) {
        if (!IsNumber(kv.value())) {
          return MustBe("logit_bias." + std::string(SV(kv.key())), "a number");
        }
        bias[std::string(SV(kv.key()))] = ToDouble(kv.value());
      }
      return std::nullopt;
    }
    case ChatKey::kReasoningEffort:
      return ReadString(v, "reasoning_effort", req->mutable_reasoning_effort());
    case ChatKey::kStreamOptions: {
      if (!v.is_object()) return MustBe("stream_options", "an object");
      const json::value* iu = Get(v.get_object(), "include_usage");
      if (iu != nullptr && !iu->is_null()) {
        bool b = false;
        ACROSS_TRY(ReadBool(*iu, "stream_options.include_usage", &b));
        req->mutable_stream_options()->set_include_usage(b);
      } else {
        req->mutable_stream_options();
      }
      return std::nullopt;
    }
    case ChatKey::kMetadata: {
      if (!v.is_object()) return MustBe("metadata", "an object");
      auto& md = *req->mutable_metadata();
      for (const auto& kv : v.get_object()) {
        if (!kv.value().is_string()) {
          return MustBe("metadata." + std::string(SV(kv.key())), "a string");
        }
        md[std::string(SV(kv.key()))] =
            std::string(SV(kv.value().get_string()));
      }
      return std::nullopt;
    }
    case ChatKey::kStream:
      return ReadBool(v, "stream", &out->stream);
  }
  return std::nullopt;
}

// ---- Chat request serialization --------------------------------------------

void WriteFunctionToolCall(JsonWriter& w, const v1::ToolCall& tc) {
  w.BeginObject();
  w.Field("id", tc.id());
  w.Field("type", tc.type().empty() ? std::string_view("function")
                                    : std::string_view(tc.type()));
  w.Key("function");
  w.BeginObject();
  w.Field("name", tc.function().name());
  w.Field("arguments", tc.function().arguments());
  w.EndObject();
  w.EndObject();
}

void WriteParts(JsonWriter& w, const v1::Message& m) {
  w.BeginArray();
  for (const auto& p : m.parts()) {
    w.BeginObject();
    if (p.has_image_url()) {
      w.Field("type", "image_url");
      w.Key("image_url");
      w.BeginObject();
      w.Field("url", p.image_url().url());
      if (!p.image_url().detail().empty()) {
        w.Field("detail", p.image_url().detail());
      }
      w.EndObject();
    } else {
      w.Field("type", "text");
      w.Field("text", p.text());
    }
    w.EndObject();
  }
  w.EndArray();
}

void WriteRequestMessage(JsonWriter& w, const v1::Message& m) {
  w.BeginObject();
  w.Field("role", RoleName(m.role()));
  w.Key("content");
  if (m.parts_size() > 0) {
    WriteParts(w, m);
  } else if (m.content().empty() && m.tool_calls_size() > 0) {
    w.Null();
  } else {
    w.String(m.content());
  }
  if (!m.name().empty()) w.Field("name", m.name());
  if (m.tool_calls_size() > 0) {
    w.Key("tool_calls");
    w.BeginArray();
    for (const auto& tc : m.tool_calls()) WriteFunctionToolCall(w, tc);
    w.EndArray();
  }
  if (!m.tool_call_id().empty()) w.Field("tool_call_id", m.tool_call_id());
  if (!m.refusal().empty()) w.Field("refusal", m.refusal());
  // reasoning_content is not sent back: DeepSeek rejects it in input
  // messages and OpenAI ignores it.
  w.EndObject();
}

size_t EstimateSize(const v1::ChatRequest& r) {
  size_t n = 256;
  for (const auto& m : r.messages()) {
    n += m.content().size() + 64;
    for (const auto& p : m.parts())
      n += p.text().size() + p.image_url().url().size() + 48;
    for (const auto& tc : m.tool_calls())
      n += tc.function().arguments().size() + 96;
  }
  return n + r.tools_size() * 512;
}

// ---- Response parsing (tolerant) -------------------------------------------

// Flattens content in any of its shapes into text.
std::string ContentText(const json::value* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(SV(v->get_string()));
  std::string out;
  if (v->is_array()) {
    for (const auto& p : v->get_array()) {
      if (p.is_string()) {
        out += SV(p.get_string());
      } else if (p.is_object()) {
        std::string_view type = GetStr(p.get_object(), "type");
        if (type.empty() || type == "text")
          out += GetStr(p.get_object(), "text");
      }
    }
  }
  return out;
}

v1::FinishReason LenientFinishReason(const json::value* v) {
  if (v == nullptr || !v->is_string() || v->get_string().empty()) {
    return v1::FINISH_REASON_UNSPECIFIED;
  }
  v1::FinishReason r = FinishReasonFromName(SV(v->get_string()));
  // Compatible servers invent their own ("eos", "end_turn"); any non-null
  // reason still ends the choice.
  return r == v1::FINISH_REASON_UNSPECIFIED ? v1::FINISH_REASON_STOP : r;
}

void ParseToolCallsLenient(
    const json::array& arr,
    google::protobuf::RepeatedPtrField<v1::ToolCall>* out) {
  int32_t pos = 0;
  for (const auto& item : arr) {
    if (!item.is_object()) continue;
    const json::object& c = item.get_object();
    auto* tc = out->Add();
    const json::value* idx = Get(c, "index");
    tc->set_index(idx != nullptr && IsNumber(*idx) ? ToInt32Lenient(idx) : pos);
    ++pos;
    tc->set_id(std::string(GetStr(c, "id")));
    tc->set_type(std::string(GetStr(c, "type")));
    if (const json::object* fn = GetObj(c, "function")) {
      tc->mutable_function()->set_name(std::string(GetStr(*fn, "name")));
      if (const json::value* args = Get(*fn, "arguments")) {
        tc->mutable_function()->set_arguments(ArgumentsText(*args));
      }
    }
  }
}

// "reasoning_content" (DeepSeek) or "reasoning" (OpenRouter, vLLM).
std::string_view ReasoningText(const json::object& o) {
  std::string_view r = GetStr(o, "reasoning_content");
  return r.empty() ? GetStr(o, "reasoning") : r;
}

void ParseUsage(const json::object& u, v1::Usage* out) {
  int32_t prompt = ToInt32Lenient(Get(u, "prompt_tokens"));
  int32_t completion = ToInt32Lenient(Get(u, "completion_tokens"));
  out->set_prompt_tokens(prompt);
  out->set_completion_tokens(completion);
  const json::value* total = Get(u, "total_tokens");
  out->set_total_tokens(total != nullptr && IsNumber(*total)
                            ? ToInt32Lenient(total)
                            : prompt + completion);
  if (const json::object* d = GetObj(u, "prompt_tokens_details")) {
    out->set_cached_tokens(ToInt32Lenient(Get(*d, "cached_tokens")));
  } else {
    // DeepSeek reports cache hits at the top level.
    out->set_cached_tokens(ToInt32Lenient(Get(u, "prompt_cache_hit_tokens")));
  }
  if (const json::object* d = GetObj(u, "completion_tokens_details")) {
    out->set_reasoning_tokens(ToInt32Lenient(Get(*d, "reasoning_tokens")));
  }
}

// Fills message/type/code/param from any error body shape we know of:
// OpenAI {"error":{...}}, {"error":"text"}, {"message":...} (vLLM, proxies),
// {"detail":...} (FastAPI) and Gemini's one-element array. Returns false when
// no message was found.
bool ExtractError(const json::value& root, Error* e) {
  const json::value* v = &root;
  if (v->is_array() && !v->get_array().empty()) v = &v->get_array()[0];
  if (!v->is_object()) return false;
  const json::object* o = &v->get_object();
  if (const json::value* err = Get(*o, "error")) {
    if (err->is_object()) {
      o = &err->get_object();
    } else if (err->is_string()) {
      std::string_view detail = GetStr(*o, "message");
      e->message = SV(err->get_string());
      if (!detail.empty()) {
        e->message += ": ";
        e->message += detail;
      }
      return !e->message.empty();
    }
  }
  std::string_view message = GetStr(*o, "message");
  if (message.empty()) {
    if (const json::value* d = Get(*o, "detail")) {
      if (d->is_string()) {
        message = SV(d->get_string());
      } else if (!d->is_null()) {
        e->message = json::serialize(*d);
      }
    }
  }
  if (!message.empty()) e->message = message;
  std::string_view type = GetStr(*o, "type");
  // Keep only OpenAI-style snake_case types; "BadRequestError" (vLLM) or
  // "INVALID_ARGUMENT" (Google) would confuse OpenAI clients.
  if (!type.empty() && std::all_of(type.begin(), type.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || c == '_';
      })) {
    e->type = type;
  }
  e->code = GetStr(*o, "code");
  e->param = GetStr(*o, "param");
  return !e->message.empty();
}

// ---- Base64 (embeddings)
// -----------------------------------------------------

constexpr char kB64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(std::string& out, const unsigned char* p, size_t n) {
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8) | p[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = p[i] << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (n - i == 2) {
    uint32_t v = (p[i] << 16) | (p[i + 1] << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
}

int B64Value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;  // also accept the URL-safe alphabet
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool DecodeBase64(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    if (ch == '=') break;
    int v = B64Value(static_cast<unsigned char>(ch));
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

float LoadFloatLE(const unsigned char* p) {
  uint32_t u =
      static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
      (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  return std::bit_cast<float>(u);
}

void StoreFloatLE(float f, unsigned char* p) {
  uint32_t u = std::bit_cast<uint32_t>(f);
  p[0] = u & 0xff;
  p[1] = (u >> 8) & 0xff;
  p[2] = (u >> 16) & 0xff;
  p[3] = (u >> 24) & 0xff;
}

// ---- Misc
// --------------------------------------------------------------------

std::string_view Trim(std::string_view s) {
  auto ws = [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
  };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// A raw body as a one-line, length-bounded message (HTML error pages).
std::string Excerpt(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 3);
  bool space = false;
  for (char c : s) {
    if (out.size() >= max) break;
    if (static_cast<unsigned char>(c) < 0x20 || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() >= max) {
    // Do not cut a UTF-8 sequence in half.
    while (!out.empty() &&
           (static_cast<unsigned char>(out.back()) & 0xc0) == 0x80) {
      out.pop_back();
    }
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xc0) {
      out.pop_back();
    }
    out += "...";
  }
  return out;
}

void WriteUsage(JsonWriter& w, const v1::Usage& u) {
  w.Key("usage");
  w.BeginObject();
  w.Field("prompt_tokens", u.prompt_tokens());
  w.Field("completion_tokens", u.completion_tokens());
  w.Field("total_tokens", u.total_tokens());
  w.Key("prompt_tokens_details");
  w.BeginObject();
  w.Field("cached_tokens", u.cached_tokens());
  w.EndObject();
  w.Key("completion_tokens_details");
  w.BeginObject();
  w.Field("reasoning_tokens", u.reasoning_tokens());
  w.EndObject();
  w.EndObject();
}

void WriteFinishReason(JsonWriter& w, v1::FinishReason r) {
  w.Key("finish_reason");
  std::string_view name = FinishReasonName(r);
  if (name.empty()) {
    w.Null();
  } else {
    w.String(name);
  }
}

Error MalformedUpstream(std::string_view what) {
  return Error::Unavailable("malformed " + std::string(what) +
                            " from upstream");
}

}  // namespace

// ---- Requests
// ----------------------------------------------------------------

Result<ParsedChatRequest> ParseChatRequest(std::string_view body) {
  JsonDoc doc;
  if (!doc.Parse(body)) {
    return Error::InvalidRequest(std::string(kBadJsonMessage));
  }
  if (!doc.root().is_object()) {
    return Error::InvalidRequest("The request body must be a JSON object.");
  }
  ParsedChatRequest out;
  bool saw_messages = false;
  for (const auto& kv : doc.root().get_object()) {
    std::string_view key = SV(kv.key());
    ChatKey k = LookupChatKey(key);
    if (k == ChatKey::kMessages && !kv.value().is_null()) saw_messages = true;
    ACROSS_TRY(ParseChatField(k, key, kv.value(), &out));
  }
  if (out.request.model().empty()) {
    return Error::InvalidRequest("you must provide a model parameter", "model");
  }
  if (!saw_messages) return Missing("messages");
  return out;
}

std::string SerializeChatRequest(const v1::ChatRequest& r,
                                 std::string_view model, bool stream) {
  std::string out;
  out.reserve(EstimateSize(r));
  JsonWriter w(out);
  w.BeginObject();
  w.Field("model", model);
  w.Key("messages");
  w.BeginArray();
  for (const auto& m : r.messages()) WriteRequestMessage(w, m);
  w.EndArray();
  if (r.has_temperature()) w.Field("temperature", r.temperature());
  if (r.has_top_p()) w.Field("top_p", r.top_p());
  if (r.has_max_tokens()) w.Field("max_tokens", r.max_tokens());
  if (r.has_max_completion_tokens()) {
    w.Field("max_completion_tokens", r.max_completion_tokens());
  }
  if (r.stop_size() > 0) {
    w.Key("stop");
    w.BeginArray();
    for (const auto& s : r.stop()) w.String(s);
    w.EndArray();
  }
  if (r.has_seed()) w.Field("seed", r.seed());
  if (r.has_n()) w.Field("n", r.n());
  if (r.has_presence_penalty()) {
    w.Field("presence_penalty", r.presence_penalty());
  }
  if (r.has_frequency_penalty()) {
    w.Field("frequency_penalty", r.frequency_penalty());
  }
  if (!r.response_format().type().empty()) {
    const auto& rf = r.response_format();
    w.Key("response_format");
    w.BeginObject();
    w.Field("type", rf.type());
    if (rf.type() == "json_schema" || rf.has_json_schema()) {
      const auto& js = rf.json_schema();
      w.Key("json_schema");
      w.BeginObject();
      w.Field("name", js.name());
      if (!js.description().empty()) w.Field("description", js.description());
      if (js.has_schema()) {
        w.Key("schema");
        w.Struct(js.schema());
      }
      if (js.has_strict()) w.Field("strict", js.strict());
      w.EndObject();
    }
    w.EndObject();
  }
  if (!r.user().empty()) w.Field("user", r.user());
  if (r.tools_size() > 0) {
    w.Key("tools");
    w.BeginArray();
    for (const auto& t : r.tools()) {
      w.BeginObject();
      w.Field("type", t.type().empty() ? std::string_view("function")
                                       : std::string_view(t.type()));
      w.Key("function");
      w.BeginObject();
      w.Field("name", t.function().name());
      if (!t.function().description().empty()) {
        w.Field("description", t.function().description());
      }
      if (t.function().has_parameters()) {
        w.Key("parameters");
        w.Struct(t.function().parameters());
      }
      if (t.function().has_strict()) w.Field("strict", t.function().strict());
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  switch (r.tool_choice().choice_case()) {
    case v1::ToolChoice::kMode:
      w.Field("tool_choice", r.tool_choice().mode());
      break;
    case v1::ToolChoice::kFunctionName:
      w.Key("tool_choice");
      w.BeginObject();
      w.Field("type", "function");
      w.Key("function");
      w.BeginObject();
      w.Field("name", r.tool_choice().function_name());
      w.EndObject();
      w.EndObject();
      break;
    case v1::ToolChoice::CHOICE_NOT_SET:
      break;
  }
  if (r.has_parallel_tool_calls()) {
    w.Field("parallel_tool_calls", r.parallel_tool_calls());
  }
  if (r.has_logprobs()) w.Field("logprobs", r.logprobs());
  if (r.has_top_logprobs()) w.Field("top_logprobs", r.top_logprobs());
  if (r.logit_bias_size() > 0) {
    w.Key("logit_bias");
    w.BeginObject();
    for (const auto& [token, bias] : r.logit_bias()) w.Field(token, bias);
    w.EndObject();
  }
  if (!r.reasoning_effort().empty()) {
    w.Field("reasoning_effort", r.reasoning_effort());
  }
  if (r.metadata_size() > 0) {
    w.Key("metadata");
    w.BeginObject();
    for (const auto& [k, v] : r.metadata()) w.Field(k, v);
    w.EndObject();
  }
  if (stream) {
    // Usage is always requested upstream so tokens can be metered.
    w.Field("stream", true);
    w.Key("stream_options");
    w.BeginObject();
    w.Field("include_usage", true);
    w.EndObject();
  }
  for (const auto& [key, value] : r.extra_params().fields()) {
    if (TypedKeyWritten(r, key)) continue;
    w.Key(key);
    w.Value(value);
  }
  w.EndObject();
  return out;
}

Result<v1::EmbedRequest> ParseEmbedRequest(std::string_view body) {
  JsonDoc doc;
  if (!doc.Parse(body)) {
    return Error::InvalidRequest(std::string(kBadJsonMessage));
  }
  if (!doc.root().is_object()) {
    return Error::InvalidRequest("The request body must be a JSON object.");
  }
  v1::EmbedRequest req;
  bool saw_input = false;
  for (const auto& kv : doc.root().get_object()) {
    std::string_view key = SV(kv.key());
    const json::value& v = kv.value();
    if (key == "model") {
      if (!v.is_null()) ACROSS_TRY(ReadString(v, "model", req.mutable_model()));
    } else if (key == "input") {
      if (v.is_null()) continue;
      saw_input = true;
      if (v.is_string()) {
        req.add_input(std::string(SV(v.get_string())));
      } else if (v.is_array()) {
        const json::array& arr = v.get_array();
        if (arr.empty()) {
          return Error::InvalidRequest(
              "'input' must be a non-empty string or array of strings",
              "input");
        }
        req.mutable_input()->Reserve(static_cast<int>(arr.size()));
        for (const auto& s : arr) {
          if (!s.is_string()) {
            // Token-id inputs cannot be carried by the typed API.
            return MustBe("input", "a string or an array of strings");
          }
          req.add_input(std::string(SV(s.get_string())));
        }
      } else {
        return MustBe("input", "a string or an array of strings");
      }
    } else if (key == "dimensions") {
      if (v.is_null()) continue;
      int32_t d = 0;
      ACROSS_TRY(ReadInt32(v, "dimensions", &d));
      req.set_dimensions(d);
    } else if (key == "user") {
      if (!v.is_null()) ACROSS_TRY(ReadString(v, "user", req.mutable_user()));
    } else {
      if (key == "encoding_format" && !v.is_null()) {
        // Kept in extra_params for the front end, which encodes the answer.
        if (!v.is_string() ||
            (SV(v.get_string()) != "float" && SV(v.get_string()) != "base64")) {
          return BadValue("encoding_format",
                          v.is_string() ? SV(v.get_string()) : "?",
                          "'float' and 'base64'");
        }
      }
      ToProto(
          v,
          &(*req.mutable_extra_params()->mutable_fields())[std::string(key)]);
    }
  }
  if (req.model().empty()) {
    return Error::InvalidRequest("you must provide a model parameter", "model");
  }
  if (!saw_input) return Missing("input");
  return req;
}

std::string SerializeEmbedRequest(const v1::EmbedRequest& r,
                                  std::string_view model) {
  std::string out;
  size_t n = 128;
  for (const auto& s : r.input()) n += s.size() + 4;
  out.reserve(n);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("model", model);
  w.Key("input");
  w.BeginArray();
  for (const auto& s : r.input()) w.String(s);
  w.EndArray();
  if (r.has_dimensions()) w.Field("dimensions", r.dimensions());
  if (!r.user().empty()) w.Field("user", r.user());
  for (const auto& [key, value] : r.extra_params().fields()) {
    // The gateway always reads floats upstream and encodes for the client
    // itself, so encoding_format is not forwarded.
    if (key == "model" || key == "input" || key == "encoding_format" ||
        (key == "dimensions" && r.has_dimensions()) ||
        (key == "user" && !r.user().empty())) {
      continue;
    }
    w.Key(key);
    w.Value(value);
  }
  w.EndObject();
  return out;
}

// ---- Responses
// ---------------------------------------------------------------

Result<v1::ChatResponse> ParseChatResponse(std::string_view body) {
  JsonDoc doc;
  if (!doc.Parse(body))
    return MalformedUpstream("chat completion (invalid JSON)");
  if (!doc.root().is_object()) {
    return MalformedUpstream("chat completion (not a JSON object)");
  }
  const json::object& o = doc.root().get_object();
  const json::array* choices = GetArr(o, "choices");
  if (choices == nullptr) {
    const json::value* err = Get(o, "error");
    if (err != nullptr && !err->is_null()) {
      // Some services answer 200 with an error object.
      Error e = Error::Unavailable("");
      if (!ExtractError(doc.root(), &e))
        e.message = "upstream returned an error";
      e.http_status = 502;
      return e;
    }
  }
  v1::ChatResponse resp;
  resp.set_id(std::string(GetStr(o, "id")));
  resp.set_created(ToInt64Lenient(Get(o, "created")));
  resp.set_model(std::string(GetStr(o, "model")));
  resp.set_system_fingerprint(std::string(GetStr(o, "system_fingerprint")));
  if (choices != nullptr) {
    int32_t pos = 0;
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      const json::object& co = c.get_object();
      auto* choice = resp.add_choices();
      const json::value* idx = Get(co, "index");
      choice->set_index(idx != nullptr && IsNumber(*idx) ? ToInt32Lenient(idx)
                                                         : pos);
      ++pos;
      choice->set_finish_reason(LenientFinishReason(Get(co, "finish_reason")));
      auto* m = choice->mutable_message();
      m->set_role(v1::ROLE_ASSISTANT);
      if (const json::object* mo = GetObj(co, "message")) {
        v1::Role role = RoleFromName(GetStr(*mo, "role"));
        if (role != v1::ROLE_UNSPECIFIED) m->set_role(role);
        m->set_content(ContentText(Get(*mo, "content")));
        if (const json::array* tcs = GetArr(*mo, "tool_calls")) {
          ParseToolCallsLenient(*tcs, m->mutable_tool_calls());
        }
        m->set_refusal(std::string(GetStr(*mo, "refusal")));
        m->set_reasoning_content(std::string(ReasoningText(*mo)));
      }
    }
  }
  if (const json::object* u = GetObj(o, "usage")) {
    ParseUsage(*u, resp.mutable_usage());
  }
  return resp;
}

std::string SerializeChatResponse(const v1::ChatResponse& r) {
  std::string out;
  size_t n = 512;
  for (const auto& c : r.choices()) {
    n += c.message().content().size() + c.message().reasoning_content().size() +
         128;
    for (const auto& tc : c.message().tool_calls()) {
      n += tc.function().arguments().size() + 96;
    }
  }
  out.reserve(n);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("id", r.id());
  w.Field("object", "chat.completion");
  w.Field("created", r.created());
  w.Field("model", r.model());
  w.Key("choices");
  w.BeginArray();
  for (const auto& c : r.choices()) {
    const v1::Message& m = c.message();
    w.BeginObject();
    w.Field("index", c.index());
    w.Key("message");
    w.BeginObject();
    std::string_view role = RoleName(m.role());
    w.Field("role", role.empty() ? std::string_view("assistant") : role);
    w.Key("content");
    if (m.parts_size() > 0) {
      std::string text;
      for (const auto& p : m.parts()) text += p.text();
      w.String(text);
    } else if (m.content().empty() &&
               (m.tool_calls_size() > 0 || !m.refusal().empty())) {
      w.Null();
    } else {
      w.String(m.content());
    }
    w.StringOrNull("refusal", m.refusal());
    if (!m.reasoning_content().empty()) {
      w.Field("reasoning_content", m.reasoning_content());
    }
    if (m.tool_calls_size() > 0) {
      w.Key("tool_calls");
      w.BeginArray();
      for (const auto& tc : m.tool_calls()) WriteFunctionToolCall(w, tc);
      w.EndArray();
    }
    w.EndObject();
    w.NullField("logprobs");
    WriteFinishReason(w, c.finish_reason());
    w.EndObject();
  }
  w.EndArray();
  if (r.has_usage()) WriteUsage(w, r.usage());
  if (!r.system_fingerprint().empty()) {
    w.Field("system_fingerprint", r.system_fingerprint());
  }
  w.EndObject();
  return out;
}

Result<v1::ChatChunk> ParseChatChunk(std::string_view body) {
  JsonDoc doc;
  if (!doc.Parse(body)) return MalformedUpstream("stream chunk (invalid JSON)");
  if (!doc.root().is_object()) {
    return MalformedUpstream("stream chunk (not a JSON object)");
  }
  const json::object& o = doc.root().get_object();
  if (const json::value* err = Get(o, "error"); err && !err->is_null()) {
    Error e = Error::Unavailable("");
    if (!ExtractError(doc.root(), &e)) e.message = "upstream stream error";
    e.http_status = 502;
    return e;
  }
  v1::ChatChunk chunk;
  chunk.set_id(std::string(GetStr(o, "id")));
  chunk.set_created(ToInt64Lenient(Get(o, "created")));
  chunk.set_model(std::string(GetStr(o, "model")));
  chunk.set_system_fingerprint(std::string(GetStr(o, "system_fingerprint")));
  if (const json::array* choices = GetArr(o, "choices")) {
    int32_t pos = 0;
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      const json::object& co = c.get_object();
      auto* choice = chunk.add_choices();
      const json::value* idx = Get(co, "index");
      choice->set_index(idx != nullptr && IsNumber(*idx) ? ToInt32Lenient(idx)
                                                         : pos);
      ++pos;
      choice->set_finish_reason(LenientFinishReason(Get(co, "finish_reason")));
      auto* d = choice->mutable_delta();
      if (const json::object* dobj = GetObj(co, "delta")) {
        d->set_role(RoleFromName(GetStr(*dobj, "role")));
        d->set_content(ContentText(Get(*dobj, "content")));
        if (const json::array* tcs = GetArr(*dobj, "tool_calls")) {
          ParseToolCallsLenient(*tcs, d->mutable_tool_calls());
        }
        d->set_refusal(std::string(GetStr(*dobj, "refusal")));
        d->set_reasoning_content(std::string(ReasoningText(*dobj)));
      }
    }
  }
  if (const json::object* u = GetObj(o, "usage")) {
    ParseUsage(*u, chunk.mutable_usage());
  }
  return chunk;
}

std::string SerializeChatChunk(const v1::ChatChunk& chunk) {
  std::string out;
  size_t n = 256 + chunk.id().size() + chunk.model().size();
  for (const auto& c : chunk.choices()) {
    n += c.delta().content().size() + c.delta().reasoning_content().size() + 96;
    for (const auto& tc : c.delta().tool_calls()) {
      n += tc.function().arguments().size() + tc.id().size() + 96;
    }
  }
  out.reserve(n);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("id", chunk.id());
  w.Field("object", "chat.completion.chunk");
  w.Field("created", chunk.created());
  w.Field("model", chunk.model());
  if (!chunk.system_fingerprint().empty()) {
    w.Field("system_fingerprint", chunk.system_fingerprint());
  }
  w.Key("choices");
  w.BeginArray();
  for (const auto& c : chunk.choices()) {
    const v1::Delta& d = c.delta();
    w.BeginObject();
    w.Field("index", c.index());
    w.Key("delta");
    w.BeginObject();
    std::string_view role = RoleName(d.role());
    if (!role.empty()) w.Field("role", role);
    // OpenAI's first chunk carries "content": "" next to the role.
    if (!d.content().empty() || (!role.empty() && d.tool_calls_size() == 0)) {
      w.Field("content", d.content());
    }
    if (!d.reasoning_content().empty()) {
      w.Field("reasoning_content", d.reasoning_content());
    }
    if (!d.refusal().empty()) w.Field("refusal", d.refusal());
    if (d.tool_calls_size() > 0) {
      w.Key("tool_calls");
      w.BeginArray();
      for (const auto& tc : d.tool_calls()) {
        w.BeginObject();
        w.Field("index", tc.index());
        if (!tc.id().empty()) w.Field("id", tc.id());
        if (!tc.type().empty()) {
          w.Field("type", tc.type());
        } else if (!tc.id().empty()) {
          w.Field("type", "function");
        }
        w.Key("function");
        w.BeginObject();
        if (!tc.function().name().empty()) {
          w.Field("name", tc.function().name());
        }
        w.Field("arguments", tc.function().arguments());
        w.EndObject();
        w.EndObject();
      }
      w.EndArray();
    }
    w.EndObject();
    w.NullField("logprobs");
    WriteFinishReason(w, c.finish_reason());
    w.EndObject();
  }
  w.EndArray();
  if (chunk.has_usage()) WriteUsage(w, chunk.usage());
  w.EndObject();
  return out;
}

Result<v1::EmbedResponse> ParseEmbedResponse(std::string_view body) {
  JsonDoc doc;
  if (!doc.Parse(body)) return MalformedUpstream("embeddings (invalid JSON)");
  if (!doc.root().is_object()) {
    return MalformedUpstream("embeddings (not a JSON object)");
  }
  const json::object& o = doc.root().get_object();
  const json::array* data = GetArr(o, "data");
  if (data == nullptr) {
    const json::value* err = Get(o, "error");
    if (err != nullptr && !err->is_null()) {
      Error e = Error::Unavailable("");
      if (!ExtractError(doc.root(), &e))
        e.message = "upstream returned an error";
      e.http_status = 502;
      return e;
    }
    return MalformedUpstream("embeddings (no data)");
  }
  v1::EmbedResponse resp;
  resp.set_model(std::string(GetStr(o, "model")));
  resp.mutable_data()->Reserve(static_cast<int>(data->size()));
  std::string bytes;
  bool sorted = true;
  int32_t pos = 0;
  for (const auto& item : *data) {
    if (!item.is_object()) return MalformedUpstream("embeddings (bad item)");
    const json::object& io = item.get_object();
    auto* e = resp.add_data();
    const json::value* idx = Get(io, "index");
    e->set_index(idx != nullptr && IsNumber(*idx) ? ToInt32Lenient(idx) : pos);
    if (resp.data_size() > 1 &&
        e->index() < resp.data(resp.data_size() - 2).index()) {
      sorted = false;
    }
    ++pos;
    const json::value* emb = Get(io, "embedding");
    if (emb != nullptr && emb->is_array()) {
      const json::array& arr = emb->get_array();
      auto* vec = e->mutable_embedding();
      vec->Reserve(static_cast<int>(arr.size()));
      for (const auto& x : arr) {
        if (!IsNumber(x)) return MalformedUpstream("embeddings (non-number)");
        vec->AddAlreadyReserved(static_cast<float>(ToDouble(x)));
      }
    } else if (emb != nullptr && emb->is_string()) {
      if (!DecodeBase64(SV(emb->get_string()), &bytes) || bytes.size() % 4) {
        return MalformedUpstream("embeddings (bad base64)");
      }
      auto* vec = e->mutable_embedding();
      const size_t count = bytes.size() / 4;
      vec->Reserve(static_cast<int>(count));
      const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
      for (size_t k = 0; k < count; ++k) {
        vec->AddAlreadyReserved(LoadFloatLE(p + 4 * k));
      }
    } else {
      return MalformedUpstream("embeddings (missing embedding)");
    }
  }
  if (!sorted) {
    std::sort(resp.mutable_data()->pointer_begin(),
              resp.mutable_data()->pointer_end(),
              [](const v1::Embedding* a, const v1::Embedding* b) {
                return a->index() < b->index();
              });
  }
  if (const json::object* u = GetObj(o, "usage")) {
    auto* usage = resp.mutable_usage();
    usage->set_prompt_tokens(ToInt32Lenient(Get(*u, "prompt_tokens")));
    const json::value* total = Get(*u, "total_tokens");
    usage->set_total_tokens(total != nullptr && IsNumber(*total)
                                ? ToInt32Lenient(total)
                                : usage->prompt_tokens());
  }
  return resp;
}

std::string SerializeEmbedResponse(const v1::EmbedResponse& r, bool base64) {
  std::string out;
  size_t n = 256 + r.model().size();
  for (const auto& e : r.data()) {
    n += 48 + static_cast<size_t>(e.embedding_size()) * (base64 ? 6 : 12);
  }
  out.reserve(n);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("object", "list");
  w.Key("data");
  w.BeginArray();
  std::string bytes;
  for (const auto& e : r.data()) {
    w.BeginObject();
    w.Field("object", "embedding");
    w.Field("index", e.index());
    w.Key("embedding");
    if (base64) {
      bytes.resize(static_cast<size_t>(e.embedding_size()) * 4);
      auto* p = reinterpret_cast<unsigned char*>(bytes.data());
      for (int k = 0; k < e.embedding_size(); ++k) {
        StoreFloatLE(e.embedding(k), p + 4 * k);
      }
      // Base64 never needs escaping, so it is written in place.
      out += '"';
      AppendBase64(out, p, bytes.size());
      out += '"';
    } else {
      w.BeginArray();
      for (float f : e.embedding()) w.Float(f);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Field("model", r.model());
  w.Key("usage");
  w.BeginObject();
  w.Field("prompt_tokens", r.usage().prompt_tokens());
  w.Field("total_tokens", r.usage().total_tokens());
  w.EndObject();
  w.EndObject();
  return out;
}

std::string SerializeModelList(const v1::ListModelsResponse& models) {
  std::string out;
  out.reserve(32 + static_cast<size_t>(models.models_size()) * 96);
  JsonWriter w(out);
  w.BeginObject();
  w.Field("object", "list");
  w.Key("data");
  w.BeginArray();
  for (const auto& m : models.models()) {
    w.BeginObject();
    w.Field("id", m.id());
    w.Field("object", "model");
    w.Field("created", m.created());
    w.Field("owned_by", m.owned_by());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

// ---- Errors
// --------------------------------------------------------------------

std::string SerializeError(const Error& error) {
  std::string out;
  out.reserve(96 + error.message.size());
  JsonWriter w(out);
  w.BeginObject();
  w.Key("error");
  w.BeginObject();
  w.Field("message", error.message);
  w.Field("type", error.type.empty() ? ErrorTypeForStatus(error.http_status)
                                     : error.type);
  w.StringOrNull("param", error.param);
  w.StringOrNull("code", error.code);
  w.EndObject();
  w.EndObject();
  return out;
}

Error ParseUpstreamError(int http_status, std::string_view body,
                         std::string_view provider_id) {
  std::string prefix;
  if (!provider_id.empty()) {
    prefix.reserve(provider_id.size() + 2);
    prefix.append(provider_id).append(": ");
  }
  Error e = Error::FromHttpStatus(http_status, "");
  std::string_view trimmed = Trim(body);
  if (trimmed.empty()) {
    e.message =
        prefix + "HTTP " + std::to_string(http_status) + " with empty body";
    return e;
  }
  JsonDoc doc;
  if (doc.Parse(trimmed) && ExtractError(doc.root(), &e)) {
    e.message.insert(0, prefix);
    if (e.type.empty()) e.type = ErrorTypeForStatus(http_status);
    return e;
  }
  e.message = prefix + "HTTP " + std::to_string(http_status) + ": " +
              Excerpt(trimmed, 300);
  return e;
}

// ---- Enum names
// ------------------------------------------------------------------

std::string_view RoleName(v1::Role role) {
  switch (role) {
    case v1::ROLE_SYSTEM:
      return "system";
    case v1::ROLE_USER:
      return "user";
    case v1::ROLE_ASSISTANT:
      return "assistant";
    case v1::ROLE_TOOL:
      return "tool";
    case v1::ROLE_DEVELOPER:
      return "developer";
    default:
      return "";
  }
}

v1::Role RoleFromName(std::string_view name) {
  if (name == "user") return v1::ROLE_USER;
  if (name == "assistant") return v1::ROLE_ASSISTANT;
  if (name == "system") return v1::ROLE_SYSTEM;
  if (name == "tool") return v1::ROLE_TOOL;
  if (name == "developer") return v1::ROLE_DEVELOPER;
  return v1::ROLE_UNSPECIFIED;
}

std::string_view FinishReasonName(v1::FinishReason reason) {
  switch (reason) {
    case v1::FINISH_REASON_STOP:
      return "stop";
    case v1::FINISH_REASON_LENGTH:
      return "length";
    case v1::FINISH_REASON_TOOL_CALLS:
      return "tool_calls";
    case v1::FINISH_REASON_CONTENT_FILTER:
      return "content_filter";
    case v1::FINISH_REASON_FUNCTION_CALL:
      return "function_call";
    default:
      return "";
  }
}

v1::FinishReason FinishReasonFromName(std::string_view name) {
  if (name == "stop") return v1::FINISH_REASON_STOP;
  if (name == "length") return v1::FINISH_REASON_LENGTH;
  if (name == "tool_calls") return v1::FINISH_REASON_TOOL_CALLS;
  if (name == "content_filter") return v1::FINISH_REASON_CONTENT_FILTER;
  if (name == "function_call") return v1::FINISH_REASON_FUNCTION_CALL;
  return v1::FINISH_REASON_UNSPECIFIED;
}

}  // namespace across::openai
