#include "providers/bedrock/converse_request.h"

#include <optional>
#include <string_view>
#include <utility>

#include "providers/common/json.h"

namespace across::bedrock {

namespace json = boost::json;
using providers::GetString;
using providers::ParseJson;
using providers::Serialize;
using providers::ToJson;

namespace {

using MaybeError = std::optional<Error>;

// Converse request fields that extra_params may set directly; any other key
// is a model-specific parameter and goes to additionalModelRequestFields.
constexpr std::string_view kTopLevelExtras[] = {
    "additionalModelResponseFieldPaths",
    "guardrailConfig",
    "outputConfig",
    "performanceConfig",
    "promptVariables",
    "serviceTier",
};

std::string Path(int i, std::string_view rest = {}) {
  std::string p = "messages[" + std::to_string(i) + "]";
  p += rest;
  return p;
}

json::object TextBlock(std::string_view text) {
  json::object b;
  b["text"] = json::string_view(text.data(), text.size());
  return b;
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// {"image":{"format":"png","source":{"bytes":"<base64>"}}} from a data URL.
// Converse takes image bytes only, so remote URLs are refused rather than
// fetched by the gateway.
Result<json::object> ImageBlock(std::string_view url,
                                const std::string& param) {
  if (!StartsWithNoCase(url, "data:")) {
    return Error::InvalidRequest(
        "image URLs are not supported; send a data URL", param);
  }
  const size_t comma = url.find(',');
  if (comma == std::string_view::npos) {
    return Error::InvalidRequest("malformed image data URL", param);
  }
  std::string_view meta = url.substr(5, comma - 5);  // "image/png;base64"
  std::string_view data = url.substr(comma + 1);
  const size_t semi = meta.find(';');
  std::string_view mime = meta.substr(0, semi);
  const bool base64 =
      semi != std::string_view::npos &&
      meta.substr(semi).find(";base64") != std::string_view::npos;
  if (!base64) {
    return Error::InvalidRequest("image data URLs must be base64-encoded",
                                 param);
  }
  std::string_view format;
  if (StartsWithNoCase(mime, "image/png")) {
    format = "png";
  } else if (StartsWithNoCase(mime, "image/jpeg") ||
             StartsWithNoCase(mime, "image/jpg")) {
    format = "jpeg";
  } else if (StartsWithNoCase(mime, "image/gif")) {
    format = "gif";
  } else if (StartsWithNoCase(mime, "image/webp")) {
    format = "webp";
  } else {
    return Error::InvalidRequest("unsupported image type \"" +
                                     std::string(mime) +
                                     "\" (want png, jpeg, gif or webp)",
                                 param);
  }
  json::object source;
  source["bytes"] = json::string_view(data.data(), data.size());
  json::object image;
  image["format"] = json::string_view(format.data(), format.size());
  image["source"] = std::move(source);
  json::object block;
  block["image"] = std::move(image);
  return block;
}

// Text and image blocks of a user (or assistant) message.
MaybeError ContentBlocks(const v1::Message& m, int i, json::array& out) {
  if (m.parts_size() == 0) {
    if (!m.content().empty()) out.push_back(TextBlock(m.content()));
    return std::nullopt;
  }
  for (int j = 0; j < m.parts_size(); ++j) {
    const v1::ContentPart& part = m.parts(j);
    if (part.has_image_url()) {
      auto block = ImageBlock(part.image_url().url(),
                              Path(i, ".content[" + std::to_string(j) + "]"));
      if (!block.ok()) return block.error();
      out.push_back(std::move(block.value()));
    } else if (!part.text().empty()) {
      // Converse rejects blank text blocks.
      out.push_back(TextBlock(part.text()));
    }
  }
  return std::nullopt;
}

MaybeError SystemBlocks(const v1::Message& m, int i, json::array& out) {
  if (m.parts_size() == 0) {
    if (!m.content().empty()) out.push_back(TextBlock(m.content()));
    return std::nullopt;
  }
  for (int j = 0; j < m.parts_size(); ++j) {
    if (m.parts(j).has_image_url()) {
      return Error::InvalidRequest("system messages may only contain text",
                                   Path(i, ".content"));
    }
    if (!m.parts(j).text().empty()) out.push_back(TextBlock(m.parts(j).text()));
  }
  return std::nullopt;
}

MaybeError ToolUseBlocks(const v1::Message& m, int i, json::array& out) {
  for (int j = 0; j < m.tool_calls_size(); ++j) {
    const v1::ToolCall& call = m.tool_calls(j);
    json::value input = json::object();
    if (!call.function().arguments().empty()) {
      auto parsed = ParseJson(call.function().arguments());
      if (!parsed || !parsed->is_object()) {
        return Error::InvalidRequest(
            "tool call arguments must be a JSON object",
            Path(i,
                 ".tool_calls[" + std::to_string(j) + "].function.arguments"));
      }
      input = std::move(*parsed);
    }
    json::object tool_use;
    tool_use["toolUseId"] =
        json::string_view(call.id().data(), call.id().size());
    tool_use["name"] = json::string_view(call.function().name().data(),
                                         call.function().name().size());
    tool_use["input"] = std::move(input);
    json::object block;
    block["toolUse"] = std::move(tool_use);
    out.push_back(std::move(block));
  }
  return std::nullopt;
}

// A tool message's result. A JSON object travels as {"json": ...}, which
// models read as structured data; anything else as text.
json::object ToolResultBlock(const v1::Message& m) {
  std::string text;
  if (m.parts_size() == 0) {
    text = m.content();
  } else {
    for (const auto& part : m.parts()) {
      if (part.has_image_url()) continue;
      if (!text.empty()) text += '\n';
      text += part.text();
    }
  }
  json::object content_block;
  auto parsed = ParseJson(text);
  if (parsed && parsed->is_object()) {
    content_block["json"] = std::move(*parsed);
  } else {
    content_block["text"] = json::string_view(text.data(), text.size());
  }
  json::array content;
  content.push_back(std::move(content_block));
  json::object result;
  result["toolUseId"] =
      json::string_view(m.tool_call_id().data(), m.tool_call_id().size());
  result["content"] = std::move(content);
  json::object block;
  block["toolResult"] = std::move(result);
  return block;
}

// Appends a turn, merging it into the previous one when the role repeats.
void AddTurn(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!messages.empty()) {
    json::object& last = messages.back().as_object();
    if (GetString(&last, "role") == role) {
      json::array& content = last["content"].as_array();
      for (auto& b : blocks) content.push_back(std::move(b));
      return;
    }
  }
  json::object turn;
  turn["role"] = json::string_view(role.data(), role.size());
  turn["content"] = std::move(blocks);
  messages.push_back(std::move(turn));
}

bool HasToolBlocks(const json::array& messages) {
  for (const auto& m : messages) {
    for (const auto& b : m.as_object().at("content").as_array()) {
      const json::object& block = b.as_object();
      if (block.contains("toolUse") || block.contains("toolResult")) {
        return true;
      }
    }
  }
  return false;
}

json::object ToolSpecs(const v1::ChatRequest& request) {
  json::array tools;
  for (const auto& tool : request.tools()) {
    const auto& fn = tool.function();
    json::object spec;
    spec["name"] = json::string_view(fn.name().data(), fn.name().size());
    if (!fn.description().empty()) {
      spec["description"] =
          json::string_view(fn.description().data(), fn.description().size());
    }
    json::object schema;
    if (fn.has_parameters()) {
      schema = ToJson(fn.parameters());
    } else {
      // Bedrock requires a schema; a function without parameters takes an
      // empty object.
      schema["type"] = "object";
      schema["properties"] = json::object();
    }
    json::object input_schema;
    input_schema["json"] = std::move(schema);
    spec["inputSchema"] = std::move(input_schema);
    json::object entry;
    entry["toolSpec"] = std::move(spec);
    tools.push_back(std::move(entry));
  }
  json::object config;
  config["tools"] = std::move(tools);
  return config;
}

// toolConfig, or nullopt when no tools go upstream.
std::optional<json::object> ToolConfig(const v1::ChatRequest& request,
                                       const json::array& messages) {
  if (request.tools_size() == 0) return std::nullopt;
  const v1::ToolChoice& choice = request.tool_choice();
  json::object config = ToolSpecs(request);
  switch (choice.choice_case()) {
    case v1::ToolChoice::kFunctionName: {
      json::object tool;
      tool["name"] = json::string_view(choice.function_name().data(),
                                       choice.function_name().size());
      json::object tc;
      tc["tool"] = std::move(tool);
      config["toolChoice"] = std::move(tc);
      break;
    }
    case v1::ToolChoice::kMode:
      if (choice.mode() == "required") {
        json::object tc;
        tc["any"] = json::object();
        config["toolChoice"] = std::move(tc);
      } else if (choice.mode() == "auto") {
        json::object tc;
        tc["auto"] = json::object();
        config["toolChoice"] = std::move(tc);
      } else if (choice.mode() == "none") {
        // Converse has no "none": leave the tools out, unless the history
        // holds tool blocks, which Bedrock only accepts beside a toolConfig.
        if (!HasToolBlocks(messages)) return std::nullopt;
      }
      break;
    default:
      break;
  }
  return config;
}

json::object InferenceConfig(const v1::ChatRequest& request,
                             int default_max_tokens) {
  json::object config;
  if (request.has_max_completion_tokens()) {
    config["maxTokens"] = request.max_completion_tokens();
  } else if (request.has_max_tokens()) {
    config["maxTokens"] = request.max_tokens();
  } else if (default_max_tokens > 0) {
    config["maxTokens"] = default_max_tokens;
  }
  if (request.has_temperature()) config["temperature"] = request.temperature();
  if (request.has_top_p()) config["topP"] = request.top_p();
  if (request.stop_size() > 0) {
    json::array stops;
    for (const auto& s : request.stop()) {
      stops.push_back(json::string_view(s.data(), s.size()));
    }
    config["stopSequences"] = std::move(stops);
  }
  return config;
}

bool IsTopLevelExtra(std::string_view key) {
  for (std::string_view k : kTopLevelExtras) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace

Result<std::string> BuildConverseBody(const v1::ChatRequest& request,
                                      int default_max_tokens) {
  json::array system;
  json::array messages;
  for (int i = 0; i < request.messages_size(); ++i) {
    const v1::Message& m = request.messages(i);
    json::array blocks;
    MaybeError err;
    switch (m.role()) {
      case v1::ROLE_SYSTEM:
      case v1::ROLE_DEVELOPER:
        err = SystemBlocks(m, i, system);
        break;
      case v1::ROLE_USER:
        err = ContentBlocks(m, i, blocks);
        if (!err) AddTurn(messages, "user", std::move(blocks));
        break;
      case v1::ROLE_ASSISTANT:
        err = ContentBlocks(m, i, blocks);
        if (!err) err = ToolUseBlocks(m, i, blocks);
        if (!err) AddTurn(messages, "assistant", std::move(blocks));
        break;
      case v1::ROLE_TOOL:
        blocks.push_back(ToolResultBlock(m));
        AddTurn(messages, "user", std::move(blocks));
        break;
      default:
        err =
            Error::InvalidRequest("unsupported message role", Path(i, ".role"));
        break;
    }
    if (err) return std::move(*err);
  }

  json::object body;
  body["messages"] = std::move(messages);
  if (!system.empty()) body["system"] = std::move(system);
  body["inferenceConfig"] = InferenceConfig(request, default_max_tokens);
  if (auto tools = ToolConfig(request, body["messages"].as_array())) {
    body["toolConfig"] = std::move(*tools);
  }

  // An explicit additionalModelRequestFields object wins over loose keys of
  // the same name (the map's iteration order is unspecified).
  json::object additional;
  const auto& extras = request.extra_params().fields();
  if (auto it = extras.find("additionalModelRequestFields");
      it != extras.end() && it->second.has_struct_value()) {
    additional = ToJson(it->second.struct_value());
  }
  for (const auto& [key, value] : extras) {
    const json::string_view k(key.data(), key.size());
    if (key == "additionalModelRequestFields") continue;
    if (IsTopLevelExtra(key)) {
      body[k] = ToJson(value);
    } else if (!additional.contains(k)) {
      additional[k] = ToJson(value);
    }
  }
  if (!additional.empty()) {
    body["additionalModelRequestFields"] = std::move(additional);
  }
  if (request.metadata_size() > 0) {
    json::object meta;
    for (const auto& [k, v] : request.metadata()) {
      meta[json::string_view(k.data(), k.size())] =
          json::string_view(v.data(), v.size());
    }
    body["requestMetadata"] = std::move(meta);
  }
  return Serialize(body);
}

}  // namespace across::bedrock
