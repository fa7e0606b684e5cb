#include "gateway/config/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>

namespace across {
namespace {

void AppendString(const std::string& s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// Plain (unquoted) scalars that look like numbers, booleans or null become
// JSON literals; everything else, and every quoted scalar, is a string.
void Scalar(const YAML::Node& node, std::string& out) {
  const std::string& s = node.Scalar();
  if (node.Tag() == "?") {
    if (s == "true" || s == "false" || s == "null") {
      out += s;
      return;
    }
    if (s == "~") {
      out += "null";
      return;
    }
    if (!s.empty()) {
      char* end = nullptr;
      std::strtod(s.c_str(), &end);
      if (end == s.c_str() + s.size() &&
          s.find_first_of("xXnN") == std::string::npos) {
        out += s;
        return;
      }
    }
  }
  AppendString(s, out);
}

void Convert(const YAML::Node& node, std::string& out) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      out += "null";
      return;
    case YAML::NodeType::Scalar:
      Scalar(node, out);
      return;
    case YAML::NodeType::Sequence: {
      out += '[';
      bool first = true;
      for (const auto& item : node) {
        if (!first) out += ',';
        first = false;
        Convert(item, out);
      }
      out += ']';
      return;
    }
    case YAML::NodeType::Map: {
      out += '{';
      bool first = true;
      for (const auto& kv : node) {
        if (!first) out += ',';
        first = false;
        AppendString(kv.first.Scalar(), out);
        out += ':';
        Convert(kv.second, out);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

Result<std::string> YamlToJson(std::string_view text, std::string_view source,
                               bool empty_is_object) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error::InvalidRequest(
        std::string(source) + ": invalid YAML at line " +
        std::to_string(e.mark.line + 1) + ", column " +
        std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  if (empty_is_object && root.IsNull()) return std::string("{}");
  if (!root.IsMap()) {
    return Error::InvalidRequest(std::string(source) +
                                 ": the top level must be a mapping");
  }
  std::string json;
  Convert(root, json);
  return json;
}

}  // namespace across
