// Conversions between protobuf's JSON-ish types (Struct, Value) and
// Boost.JSON values; numbers are doubles on the protobuf side.
#pragma once

#include <google/protobuf/struct.pb.h>

#include <boost/json/value.hpp>

namespace across::routing {

boost::json::value ToJson(const google::protobuf::Value& value);
boost::json::object ToJson(const google::protobuf::Struct& value);
google::protobuf::Value ToProto(const boost::json::value& value);
google::protobuf::Struct ToProto(const boost::json::object& value);

}  // namespace across::routing
