#include "gateway/routing/override_params.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

namespace across::routing {

Status ApplyOverrideParams(const google::protobuf::Struct& params,
                           google::protobuf::Message& request) {
  if (params.fields().empty()) return Ok{};
  const auto* desc = request.GetDescriptor();
  const auto* refl = request.GetReflection();
  const auto* extra = desc->FindFieldByName("extra_params");
  if (extra != nullptr &&
      (extra->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE ||
       extra->message_type()->full_name() != "google.protobuf.Struct" ||
       extra->is_repeated())) {
    extra = nullptr;
  }
  google::protobuf::Struct known;
  for (const auto& [key, value] : params.fields()) {
    const auto* field = desc->FindFieldByName(key);
    if (field != nullptr && field != extra) {
      (*known.mutable_fields())[key] = value;
    } else if (extra != nullptr) {
      auto* s = static_cast<google::protobuf::Struct*>(
          refl->MutableMessage(&request, extra));
      (*s->mutable_fields())[key] = value;
    } else {
      return Error::InvalidRequest(
          "override_params." + key + ": not a parameter of this request",
          "override_params." + key);
    }
  }
  if (known.fields().empty()) return Ok{};
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(known, &json).ok()) {
    return Error::Internal("override_params: cannot serialise");
  }
  std::unique_ptr<google::protobuf::Message> parsed(request.New());
  auto status = google::protobuf::util::JsonStringToMessage(json, parsed.get());
  if (!status.ok()) {
    return Error::InvalidRequest(
        "override_params: " +
            std::string(status.message().data(), status.message().size()),
        "override_params");
  }
  for (const auto& [key, value] : known.fields()) {
    refl->ClearField(&request, desc->FindFieldByName(key));
  }
  request.MergeFrom(*parsed);
  return Ok{};
}

}  // namespace across::routing
