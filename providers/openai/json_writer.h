// A minimal append-only JSON writer used on the hot path instead of building a
// boost::json DOM: it writes proto fields straight into the output string and
// formats floating point numbers in their shortest round-trip form ("0.7",
// not boost::json's "7E-1").
#pragma once

#include <google/protobuf/struct.pb.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace across::openai {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() {
    Sep();
    out_ += '{';
  }
  void EndObject() { out_ += '}'; }
  void BeginArray() {
    Sep();
    out_ += '[';
  }
  void EndArray() { out_ += ']'; }

  void Key(std::string_view key) {
    Sep();
    Quoted(key);
    out_ += ':';
  }

  void String(std::string_view s) {
    Sep();
    Quoted(s);
  }
  void Int(int64_t v) {
    Sep();
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void Double(double v) {
    Sep();
    if (!std::isfinite(v)) {  // JSON has no NaN/Infinity
      out_ += "null";
      return;
    }
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  // Shortest form that round-trips as float32: embeddings stay compact.
  void Float(float v) {
    Sep();
    if (!std::isfinite(v)) {
      out_ += "null";
      return;
    }
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
  }
  void Bool(bool v) {
    Sep();
    out_ += v ? "true" : "false";
  }
  void Null() {
    Sep();
    out_ += "null";
  }

  // Key + value shorthands.
  void Field(std::string_view key, std::string_view v) {
    Key(key);
    Quoted(v);
  }
  void Field(std::string_view key, const char* v) {
    Field(key, std::string_view(v));
  }
  void Field(std::string_view key, const std::string& v) {
    Field(key, std::string_view(v));
  }
  void Field(std::string_view key, int64_t v) {
    Key(key);
    Int(v);
  }
  void Field(std::string_view key, int32_t v) {
    Key(key);
    Int(v);
  }
  void Field(std::string_view key, double v) {
    Key(key);
    Double(v);
  }
  void Field(std::string_view key, bool v) {
    Key(key);
    Bool(v);
  }
  void NullField(std::string_view key) {
    Key(key);
    Null();
  }
  // A string field that is null when empty (OpenAI's optional strings).
  void StringOrNull(std::string_view key, std::string_view v) {
    Key(key);
    if (v.empty()) {
      Null();
    } else {
      Quoted(v);
    }
  }

  void Value(const google::protobuf::Value& v) {
    using K = google::protobuf::Value;
    switch (v.kind_case()) {
      case K::kNumberValue:
        Double(v.number_value());
        return;
      case K::kStringValue:
        String(v.string_value());
        return;
      case K::kBoolValue:
        Bool(v.bool_value());
        return;
      case K::kStructValue:
        Struct(v.struct_value());
        return;
      case K::kListValue:
        BeginArray();
        for (const auto& e : v.list_value().values()) Value(e);
        EndArray();
        return;
      default:  // null or unset
        Null();
        return;
    }
  }
  void Struct(const google::protobuf::Struct& s) {
    BeginObject();
    for (const auto& [k, v] : s.fields()) {
      Key(k);
      Value(v);
    }
    EndObject();
  }

  // Appends pre-serialized JSON as one value.
  void Raw(std::string_view json) {
    Sep();
    out_.append(json);
  }

 private:
  // A comma is needed unless this is the first thing in a container or the
  // value right after a key; the previous byte says which.
  void Sep() {
    if (out_.empty()) return;
    char c = out_.back();
    if (c != '{' && c != '[' && c != ':') out_ += ',';
  }

  void Quoted(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    const char* p = s.data();
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(p[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(p + start, i - start);
      start = i + 1;
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        default: {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
          out_.append(esc, 6);
        }
      }
    }
    out_.append(p + start, s.size() - start);
    out_ += '"';
  }

  std::string& out_;
};

}  // namespace across::openai
