// A minimal append-only JSON writer used on the hot path instead of building a
// boost::json DOM: it writes proto fields straight into the output string,
// with strings and numbers in the form providers/common/json.h's Serialize
// uses (floating point in its shortest round-trip form: "0.7", not
// boost::json's "7E-1").
#pragma once

#include <google/protobuf/struct.pb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "providers/common/json.h"

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
    providers::AppendNumber(v, out_);
  }
  // NaN and infinities (which JSON lacks) are written as null.
  void Double(double v) {
    Sep();
    providers::AppendNumber(v, out_);
  }
  // Shortest form that round-trips as float32: embeddings stay compact.
  void Float(float v) {
    Sep();
    providers::AppendNumber(v, out_);
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

  void Quoted(std::string_view s) { providers::AppendQuoted(s, out_); }

  std::string& out_;
};

}  // namespace across::openai
