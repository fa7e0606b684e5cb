#include "providers/gemini/gemini_request.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <utility>

#include "providers/common/json.h"
#include "providers/gemini/gemini_schema.h"
#include "providers/gemini/gemini_tool_ids.h"

namespace across::gemini {

namespace json = boost::json;
using providers::GetObject;
using providers::GetString;
using providers::kBoostJsonMaxDepth;
using providers::ParseJson;
using providers::ProtoNumbers;
using providers::Serialize;
using providers::ToJson;

namespace {

std::string Field(int message, std::string_view rest = {}) {
  std::string f = "messages[" + std::to_string(message) + "]";
  if (!rest.empty()) f.append(".").append(rest);
  return f;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

// MIME type from the file extension of a URL's path.
std::string_view GuessMimeType(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const size_t slash = url.rfind('/');
  const size_t dot = url.rfind('.');
  if (dot == std::string_view::npos ||
      (slash != std::string_view::npos && dot < slash)) {
    return "image/jpeg";
  }
  std::string ext;
  for (char c : url.substr(dot + 1)) ext += Lower(c);
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  if (ext == "pdf") return "application/pdf";
  return "image/jpeg";
}

Result<json::object> ImagePart(const v1::ImageUrl& image,
                               const std::string& field) {
  std::string_view url = image.url();
  if (StartsWith(url, "data:")) {
    // data:[<mime>][;base64],<data>
    const size_t comma = url.find(',');
    if (comma == std::string_view::npos) {
      return Error::InvalidRequest("malformed data URL in " + field, field);
    }
    std::string_view meta = url.substr(5, comma - 5);
    constexpr std::string_view kBase64 = ";base64";
    if (meta.size() < kBase64.size() ||
        meta.substr(meta.size() - kBase64.size()) != kBase64) {
      return Error::InvalidRequest(
          "data URL in " + field + " must be base64-encoded", field);
    }
    std::string_view mime = meta.substr(0, meta.size() - kBase64.size());
    if (mime.empty()) {
      return Error::InvalidRequest("data URL in " + field + " has no MIME type",
                                   field);
    }
    return json::object{
        {"inlineData",
         json::object{{"mimeType", json::string(mime)},
                      {"data", json::string(url.substr(comma + 1))}}}};
  }
  if (StartsWith(url, "https://") || StartsWith(url, "http://") ||
      StartsWith(url, "gs://")) {
    return json::object{
        {"fileData",
         json::object{{"mimeType", json::string(GuessMimeType(url))},
                      {"fileUri", json::string(url)}}}};
  }
  return Error::InvalidRequest(
      field + ": image URL must be a data:, http(s):// or gs:// URL", field);
}

// The text of a message: `content`, or its text parts joined.
std::string TextOf(const v1::Message& m) {
  if (m.parts_size() == 0) return m.content();
  std::string text;
  for (const auto& p : m.parts()) {
    if (p.part_case() == v1::ContentPart::kText) text += p.text();
  }
  return text;
}

// Text and image parts of a user message.
Result<json::array> UserParts(const v1::Message& m, int index) {
  json::array parts;
  if (m.parts_size() == 0) {
    if (!m.content().empty()) {
      parts.push_back(json::object{{"text", json::string(m.content())}});
    }
    return parts;
  }
  for (int j = 0; j < m.parts_size(); ++j) {
    const auto& p = m.parts(j);
    if (p.part_case() == v1::ContentPart::kText) {
      if (!p.text().empty()) {
        parts.push_back(json::object{{"text", json::string(p.text())}});
      }
    } else if (p.part_case() == v1::ContentPart::kImageUrl) {
      auto image = ImagePart(
          p.image_url(),
          Field(index, "content[" + std::to_string(j) + "].image_url"));
      if (!image.ok()) return image.error();
      parts.push_back(std::move(image.value()));
    }
  }
  return parts;
}

json::object ToolResponse(const std::string& content) {
  std::optional<json::value> v = ParseJson(content, kBoostJsonMaxDepth);
  if (v && v->is_object()) return std::move(v->get_object());
  json::object wrapped;
  wrapped["output"] = v ? std::move(*v) : json::value(json::string(content));
  return wrapped;
}

class ContentsBuilder {
 public:
  Status Add(const v1::Message& m, int index) {
    switch (m.role()) {
      case v1::ROLE_SYSTEM:
      case v1::ROLE_DEVELOPER:
        return AddSystem(m, index);
      case v1::ROLE_USER: {
        auto parts = UserParts(m, index);
        if (!parts.ok()) return parts.error();
        Append("user", std::move(parts.value()));
        return Ok{};
      }
      case v1::ROLE_ASSISTANT:
        return AddAssistant(m, index);
      case v1::ROLE_TOOL:
        return AddToolResult(m, index);
      default:
        return Error::InvalidRequest(Field(index, "role") + " is not set",
                                     Field(index, "role"));
    }
  }

  json::array TakeContents() { return std::move(contents_); }
  json::array TakeSystem() { return std::move(system_); }

 private:
  Status AddSystem(const v1::Message& m, int index) {
    for (const auto& p : m.parts()) {
      if (p.part_case() == v1::ContentPart::kImageUrl) {
        return Error::InvalidRequest(
            "Gemini system instructions take text only (" + Field(index) +
                " has an image)",
            Field(index, "content"));
      }
    }
    std::string text = TextOf(m);
    if (!text.empty()) {
      system_.push_back(json::object{{"text", json::string(text)}});
    }
    return Ok{};
  }

  Status AddAssistant(const v1::Message& m, int index) {
    json::array parts;
    std::string text = TextOf(m);
    if (!text.empty())
      parts.push_back(json::object{{"text", json::string(text)}});
    for (int j = 0; j < m.tool_calls_size(); ++j) {
      const auto& call = m.tool_calls(j);
      const std::string field =
          Field(index, "tool_calls[" + std::to_string(j) + "]");
      const std::string& args_text = call.function().arguments();
      json::object args;
      if (!args_text.empty()) {
        std::optional<json::value> v = ParseJson(args_text, kBoostJsonMaxDepth);
        if (!v || !v->is_object()) {
          return Error::InvalidRequest(
              field + ".function.arguments must be a JSON object",
              field + ".function.arguments");
        }
        args = std::move(v->get_object());
      }
      json::object part{
          {"functionCall",
           json::object{{"name", json::string(call.function().name())},
                        {"args", std::move(args)}}}};
      const std::string signature = ThoughtSignatureOf(call.id());
      if (!signature.empty())
        part["thoughtSignature"] = json::string(signature);
      parts.push_back(std::move(part));
      if (!call.id().empty()) call_names_[call.id()] = call.function().name();
    }
    Append("model", std::move(parts));
    return Ok{};
  }

  Status AddToolResult(const v1::Message& m, int index) {
    std::string name;
    if (auto it = call_names_.find(m.tool_call_id()); it != call_names_.end()) {
      name = it->second;
    } else if (!m.name().empty()) {
      name = m.name();
    } else {
      return Error::InvalidRequest(
          Field(index, "tool_call_id") + " \"" + m.tool_call_id() +
              "\" does not match a tool call of an earlier assistant message",
          Field(index, "tool_call_id"));
    }
    json::array parts;
    parts.push_back(
        json::object{{"functionResponse",
                      json::object{{"name", json::string(name)},
                                   {"response", ToolResponse(TextOf(m))}}}});
    Append("user", std::move(parts));
    return Ok{};
  }

  // Gemini wants turns to alternate, so consecutive same-role messages
  // (e.g. the results of parallel tool calls) become one turn.
  void Append(std::string_view role, json::array parts) {
    if (parts.empty()) return;
    if (!contents_.empty() &&
        GetString(&contents_.back().get_object(), "role") == role) {
      json::array& into = contents_.back().get_object()["parts"].get_array();
      for (auto& p : parts) into.push_back(std::move(p));
      return;
    }
    contents_.push_back(json::object{{"role", json::string(role)},
                                     {"parts", std::move(parts)}});
  }

  json::array contents_;
  json::array system_;
  std::map<std::string, std::string> call_names_;
};

json::value Tools(const v1::ChatRequest& request) {
  json::array declarations;
  for (const auto& tool : request.tools()) {
    const auto& fn = tool.function();
    json::object d{{"name", json::string(fn.name())}};
    if (!fn.description().empty()) {
      d["description"] = json::string(fn.description());
    }
    if (fn.has_parameters()) {
      json::object params =
          SanitizeSchema(ToJson(fn.parameters(), ProtoNumbers::kAsDoubles));
      // An object schema without properties is rejected; a function without
      // parameters simply leaves them unset.
      const json::object* props = GetObject(&params, "properties");
      if (props != nullptr && !props->empty()) {
        d["parameters"] = std::move(params);
      }
    }
    declarations.push_back(std::move(d));
  }
  return json::array{
      json::object{{"functionDeclarations", std::move(declarations)}}};
}

// nullptr when tool_choice is unset.
json::value ToolConfig(const v1::ToolChoice& choice) {
  json::object cfg;
  switch (choice.choice_case()) {
    case v1::ToolChoice::kMode:
      if (choice.mode() == "none") {
        cfg["mode"] = "NONE";
      } else if (choice.mode() == "required") {
        cfg["mode"] = "ANY";
      } else {
        cfg["mode"] = "AUTO";
      }
      break;
    case v1::ToolChoice::kFunctionName:
      cfg["mode"] = "ANY";
      cfg["allowedFunctionNames"] =
          json::array{json::string(choice.function_name())};
      break;
    default:
      return nullptr;
  }
  return json::object{{"functionCallingConfig", std::move(cfg)}};
}

void GenerationConfig(const v1::ChatRequest& r, json::object& gc) {
  if (r.has_temperature()) gc["temperature"] = r.temperature();
  if (r.has_top_p()) gc["topP"] = r.top_p();
  if (r.has_max_completion_tokens()) {
    gc["maxOutputTokens"] = r.max_completion_tokens();
  } else if (r.has_max_tokens()) {
    gc["maxOutputTokens"] = r.max_tokens();
  }
  if (r.stop_size() > 0) {
    json::array stop;
    for (const auto& s : r.stop()) stop.push_back(json::string(s));
    gc["stopSequences"] = std::move(stop);
  }
  if (r.has_n()) gc["candidateCount"] = r.n();
  if (r.has_seed()) gc["seed"] = r.seed();
  if (r.has_presence_penalty()) gc["presencePenalty"] = r.presence_penalty();
  if (r.has_frequency_penalty()) {
    gc["frequencyPenalty"] = r.frequency_penalty();
  }
  const auto& format = r.response_format();
  if (format.type() == "json_object") {
    gc["responseMimeType"] = "application/json";
  } else if (format.type() == "json_schema") {
    gc["responseMimeType"] = "application/json";
    if (format.json_schema().has_schema()) {
      gc["responseSchema"] = SanitizeSchema(
          ToJson(format.json_schema().schema(), ProtoNumbers::kAsDoubles));
    }
  }
}

// OpenAI request keys that reach extra_params but mean nothing to Gemini,
// which rejects unknown fields with a 400 ("Invalid JSON payload received.
// Unknown name"). encoding_format is consumed by the HTTP front end.
bool IsOpenAiOnlyKey(std::string_view key) {
  static constexpr std::string_view kKeys[] = {
      "encoding_format",    "store",     "service_tier",
      "modalities",         "audio",     "prediction",
      "web_search_options", "verbosity", "functions",
      "function_call",      "stream",    "stream_options"};
  for (std::string_view k : kKeys) {
    if (k == key) return true;
  }
  return false;
}

// o[key] as an object, created (or replacing a non-object) when needed.
json::object& ObjectMember(json::object& o, std::string_view key) {
  json::value& v = o[key];
  if (!v.is_object()) v = json::object();
  return v.get_object();
}

// extra_params under typed fields: keys the body already has win, except a
// "generationConfig" object, whose keys fill in what the typed fields left.
// "top_k" (a common OpenAI-SDK extension) becomes generationConfig.topK.
void MergeExtra(const google::protobuf::Struct& extra, json::object& body) {
  json::object fields = ToJson(extra, ProtoNumbers::kAsDoubles);
  if (json::value* top_k = fields.if_contains("top_k")) {
    json::object& gc = ObjectMember(body, "generationConfig");
    if (!gc.contains("topK")) gc["topK"] = std::move(*top_k);
    fields.erase("top_k");
  }
  for (auto& kv : fields) {
    std::string_view key(kv.key().data(), kv.key().size());
    if (IsOpenAiOnlyKey(key)) continue;
    if (kv.key() == "generationConfig" && kv.value().is_object()) {
      json::object& gc = ObjectMember(body, "generationConfig");
      for (auto& g : kv.value().get_object()) {
        if (!gc.contains(g.key())) gc[g.key()] = std::move(g.value());
      }
      continue;
    }
    if (!body.contains(kv.key())) body[kv.key()] = std::move(kv.value());
  }
}

}  // namespace

std::string ModelResource(std::string_view model) {
  if (StartsWith(model, "models/") || StartsWith(model, "tunedModels/")) {
    return std::string(model);
  }
  return "models/" + std::string(model);
}

std::string MethodPath(std::string_view model, std::string_view method) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string path = "/";
  for (char c : ModelResource(model)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                       c == '_' || c == '~' || c == '/';
    if (plain) {
      path += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      path += '%';
      path += kHex[u >> 4];
      path += kHex[u & 15];
    }
  }
  path += ':';
  path.append(method);
  return path;
}

Result<std::string> BuildChatRequestBody(const v1::ChatRequest& request) {
  ContentsBuilder builder;
  for (int i = 0; i < request.messages_size(); ++i) {
    Status s = builder.Add(request.messages(i), i);
    if (!s.ok()) return s.error();
  }
  json::array contents = builder.TakeContents();
  if (contents.empty()) {
    return Error::InvalidRequest(
        "Gemini needs at least one user or assistant message with content",
        "messages");
  }
  json::object body;
  body["contents"] = std::move(contents);
  json::array system = builder.TakeSystem();
  if (!system.empty()) {
    body["systemInstruction"] = json::object{{"parts", std::move(system)}};
  }
  if (request.tools_size() > 0) body["tools"] = Tools(request);
  if (json::value tc = ToolConfig(request.tool_choice()); !tc.is_null()) {
    body["toolConfig"] = std::move(tc);
  }
  json::object gc;
  GenerationConfig(request, gc);
  if (!gc.empty()) body["generationConfig"] = std::move(gc);
  if (request.has_extra_params()) MergeExtra(request.extra_params(), body);
  return Serialize(body);
}

bool IsBatchEmbed(const v1::EmbedRequest& request) {
  return request.input_size() > 1;
}

Result<std::string> BuildEmbedRequestBody(const v1::EmbedRequest& request,
                                          std::string_view model) {
  if (request.input_size() == 0) {
    return Error::InvalidRequest("input must not be empty", "input");
  }
  const std::string resource = ModelResource(model);
  auto one = [&](const std::string& text) {
    json::object r;
    r["model"] = json::string(resource);
    r["content"] = json::object{
        {"parts", json::array{json::object{{"text", json::string(text)}}}}};
    if (request.has_dimensions()) {
      r["outputDimensionality"] = request.dimensions();
    }
    return r;
  };
  if (!IsBatchEmbed(request)) {
    json::object body = one(request.input(0));
    if (request.has_extra_params()) MergeExtra(request.extra_params(), body);
    return Serialize(body);
  }
  // A batch takes EmbedContentRequest options (taskType, title) per request;
  // other extra keys stay at the top level.
  json::object per_request;
  json::object top;
  if (request.has_extra_params()) {
    for (auto& kv : ToJson(request.extra_params(), ProtoNumbers::kAsDoubles)) {
      if (IsOpenAiOnlyKey(std::string_view(kv.key().data(), kv.key().size()))) {
        continue;
      }
      if (kv.key() == "taskType" || kv.key() == "title") {
        per_request[kv.key()] = std::move(kv.value());
      } else {
        top[kv.key()] = std::move(kv.value());
      }
    }
  }
  json::array requests;
  requests.reserve(static_cast<size_t>(request.input_size()));
  for (const auto& text : request.input()) {
    json::object r = one(text);
    for (const auto& kv : per_request) {
      if (!r.contains(kv.key())) r[kv.key()] = kv.value();
    }
    requests.push_back(std::move(r));
  }
  json::object body{{"requests", std::move(requests)}};
  for (auto& kv : top) {
    if (!body.contains(kv.key())) body[kv.key()] = std::move(kv.value());
  }
  return Serialize(body);
}

}  // namespace across::gemini
