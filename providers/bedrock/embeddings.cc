#include "providers/bedrock/embeddings.h"

#include <utility>

#include "providers/common/json.h"

namespace across::bedrock {

namespace json = boost::json;
using providers::GetInt;
using providers::ParseJson;
using providers::Serialize;
using providers::ToJson;

namespace {

// extra_params first, so the typed fields set afterwards win.
json::object ExtraParams(const v1::EmbedRequest& request) {
  return ToJson(request.extra_params());
}

bool ReadVector(const json::value& v, std::vector<float>& out) {
  const json::array* a = v.if_array();
  if (a == nullptr) return false;
  out.clear();
  out.reserve(a->size());
  for (const json::value& x : *a) {
    if (x.is_double()) {
      out.push_back(static_cast<float>(x.get_double()));
    } else if (x.is_int64()) {
      out.push_back(static_cast<float>(x.get_int64()));
    } else if (x.is_uint64()) {
      out.push_back(static_cast<float>(x.get_uint64()));
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

EmbedFamily EmbedFamilyOf(std::string_view model) {
  if (model.find("amazon.titan-embed") != std::string_view::npos) {
    return EmbedFamily::kTitan;
  }
  if (model.find("cohere.embed") != std::string_view::npos) {
    return EmbedFamily::kCohere;
  }
  return EmbedFamily::kUnsupported;
}

std::string BuildTitanEmbedBody(const v1::EmbedRequest& request, int index) {
  json::object body = ExtraParams(request);
  const std::string& text = request.input(index);
  body["inputText"] = json::string_view(text.data(), text.size());
  if (request.has_dimensions()) body["dimensions"] = request.dimensions();
  return Serialize(body);
}

Result<TitanEmbedding> ParseTitanEmbedResponse(std::string_view body) {
  auto parsed = ParseJson(body);
  const json::object* root = parsed ? parsed->if_object() : nullptr;
  const json::value* embedding =
      root != nullptr ? root->if_contains("embedding") : nullptr;
  TitanEmbedding out;
  if (embedding == nullptr || !ReadVector(*embedding, out.embedding)) {
    return Error::Unavailable("malformed Titan embeddings response");
  }
  out.tokens =
      static_cast<int>(GetInt(root, "inputTextTokenCount").value_or(0));
  return out;
}

std::string BuildCohereEmbedBody(const v1::EmbedRequest& request) {
  json::object body = ExtraParams(request);
  json::array texts;
  for (const auto& t : request.input()) {
    texts.push_back(json::string_view(t.data(), t.size()));
  }
  body["texts"] = std::move(texts);
  if (!body.contains("input_type")) body["input_type"] = "search_document";
  if (request.has_dimensions()) body["output_dimension"] = request.dimensions();
  return Serialize(body);
}

Result<v1::EmbedResponse> ParseCohereEmbedResponse(std::string_view body) {
  auto parsed = ParseJson(body);
  const json::object* root = parsed ? parsed->if_object() : nullptr;
  const json::value* embeddings =
      root != nullptr ? root->if_contains("embeddings") : nullptr;
  // With "embedding_types" the vectors are grouped by type.
  if (embeddings != nullptr && embeddings->is_object()) {
    embeddings = embeddings->get_object().if_contains("float");
  }
  if (embeddings == nullptr || !embeddings->is_array()) {
    return Error::Unavailable("malformed Cohere embeddings response");
  }
  v1::EmbedResponse resp;
  std::vector<float> vec;
  for (const json::value& v : embeddings->get_array()) {
    if (!ReadVector(v, vec)) {
      return Error::Unavailable("malformed Cohere embeddings response");
    }
    v1::Embedding* e = resp.add_data();
    e->set_index(resp.data_size() - 1);
    e->mutable_embedding()->Add(vec.begin(), vec.end());
  }
  return resp;
}

}  // namespace across::bedrock
