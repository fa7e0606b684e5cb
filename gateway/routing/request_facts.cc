#include "gateway/routing/request_facts.h"

#include <google/protobuf/util/json_util.h>

#include <boost/json/parse.hpp>

namespace across::routing {

boost::json::object BuildFacts(const google::protobuf::Message& request,
                               const boost::json::object& header_metadata) {
  boost::json::object facts;
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  boost::json::object params;
  if (google::protobuf::util::MessageToJsonString(request, &text, options)
          .ok()) {
    boost::system::error_code ec;
    auto parsed = boost::json::parse(text, ec);
    if (!ec && parsed.is_object()) params = std::move(parsed.get_object());
  }
  boost::json::object metadata;
  if (auto it = params.find("metadata");
      it != params.end() && it->value().is_object()) {
    metadata = it->value().get_object();
  }
  for (const auto& kv : header_metadata) metadata[kv.key()] = kv.value();
  facts["metadata"] = std::move(metadata);
  facts["params"] = std::move(params);
  return facts;
}

Result<boost::json::object> ParseMetadataHeader(std::string_view value) {
  if (value.empty()) return boost::json::object{};
  boost::system::error_code ec;
  auto parsed = boost::json::parse(value, ec);
  if (ec || !parsed.is_object()) {
    return Error::InvalidRequest("metadata header must be a JSON object",
                                 "metadata");
  }
  return std::move(parsed.get_object());
}

}  // namespace across::routing
