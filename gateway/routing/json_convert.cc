#include "gateway/routing/json_convert.h"

namespace across::routing {

boost::json::value ToJson(const google::protobuf::Value& v) {
  using K = google::protobuf::Value::KindCase;
  switch (v.kind_case()) {
    case K::kNullValue:
    case K::KIND_NOT_SET:
      return nullptr;
    case K::kNumberValue:
      return v.number_value();
    case K::kStringValue:
      return boost::json::string(v.string_value());
    case K::kBoolValue:
      return v.bool_value();
    case K::kStructValue:
      return ToJson(v.struct_value());
    case K::kListValue: {
      boost::json::array a;
      a.reserve(v.list_value().values_size());
      for (const auto& item : v.list_value().values())
        a.push_back(ToJson(item));
      return a;
    }
  }
  return nullptr;
}

boost::json::object ToJson(const google::protobuf::Struct& s) {
  boost::json::object o;
  for (const auto& [key, value] : s.fields()) o[key] = ToJson(value);
  return o;
}

google::protobuf::Value ToProto(const boost::json::value& v) {
  google::protobuf::Value out;
  switch (v.kind()) {
    case boost::json::kind::null:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case boost::json::kind::bool_:
      out.set_bool_value(v.get_bool());
      break;
    case boost::json::kind::int64:
      out.set_number_value(static_cast<double>(v.get_int64()));
      break;
    case boost::json::kind::uint64:
      out.set_number_value(static_cast<double>(v.get_uint64()));
      break;
    case boost::json::kind::double_:
      out.set_number_value(v.get_double());
      break;
    case boost::json::kind::string:
      out.set_string_value(std::string(v.get_string()));
      break;
    case boost::json::kind::array: {
      auto* list = out.mutable_list_value();
      for (const auto& item : v.get_array())
        *list->add_values() = ToProto(item);
      break;
    }
    case boost::json::kind::object:
      *out.mutable_struct_value() = ToProto(v.get_object());
      break;
  }
  return out;
}

google::protobuf::Struct ToProto(const boost::json::object& o) {
  google::protobuf::Struct out;
  auto& fields = *out.mutable_fields();
  for (const auto& kv : o) fields[std::string(kv.key())] = ToProto(kv.value());
  return out;
}

}  // namespace across::routing
