// BedrockProvider against a Beast server on 127.0.0.1:0 through the real
// HttpClient: path encoding and SigV4 headers, Converse and ConverseStream
// (binary event-stream frames split across HTTP chunks), error mapping and
// credential redaction, Titan and Cohere embeddings.
#include "providers/bedrock/bedrock_provider.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "providers/bedrock/converse_request.h"
#include "providers/bedrock/eventstream.h"
#include "providers/bedrock/sigv4.h"
#include "tests/providers/bedrock/fixture_util.h"
#include "tests/providers/common/test_upstream.h"

namespace across {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using bedrock::testing::Fixture;

constexpr const char* kModel = "anthropic.claude-3-5-sonnet-20240620-v1:0";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";

using testing::Answer;
using testing::Handler;
using testing::RecordingSink;
using testing::Response;
using testing::ServerRequest;
using testing::WriteRaw;

// Streams `bytes` as an event-stream body cut into `piece`-byte HTTP chunks
// (so frames straddle reads), then ends it unless `cut`, which sends only the
// first half and closes the connection.
Handler EventStream(std::string_view bytes, size_t piece, bool cut = false) {
  const size_t end = cut ? bytes.size() / 2 : bytes.size();
  return testing::Chunked("application/vnd.amazon.eventstream",
                          testing::Pieces(bytes.substr(0, end), piece), cut,
                          1ms);
}

std::string Frames(const json::array& events) {
  std::string out;
  for (const auto& e : events) {
    const auto& ev = e.as_object();
    const std::string payload = json::serialize(ev.at("payload"));
    if (ev.contains("exception")) {
      out += bedrock::EncodeEventStreamMessage(
          {{":exception-type", std::string(ev.at("exception").as_string())},
           {":content-type", "application/json"},
           {":message-type", "exception"}},
          payload);
    } else {
      out += bedrock::EncodeEventStreamMessage(
          {{":event-type", std::string(ev.at("event").as_string())},
           {":content-type", "application/json"},
           {":message-type", "event"}},
          payload);
    }
  }
  return out;
}

class BedrockProviderTest : public testing::UpstreamTest {
 protected:
  BedrockProviderTest() { ctx_.trace_id = "trace123"; }

  ::across::config::v1::ProviderConfig Config() {
    ::across::config::v1::ProviderConfig cfg;
    cfg.set_id("bedrock");
    cfg.set_type("bedrock");
    cfg.set_region("us-east-1");
    cfg.set_base_url(server_ ? server_->Origin() : "http://127.0.0.1:1");
    cfg.set_connect_timeout_ms(2000);
    cfg.set_request_timeout_ms(5000);
    return cfg;
  }

  std::unique_ptr<BedrockProvider> Provider(bool session_token = true) {
    auto p = std::make_unique<BedrockProvider>(
        Config(), bedrock::AwsCredentials{"AKIDEXAMPLE", kSecret,
                                          session_token ? kToken : ""});
    p->set_clock(
        [] { return std::chrono::system_clock::from_time_t(1440938160); });
    return p;
  }

  static v1::ChatRequest ChatReq() {
    v1::ChatRequest r;
    r.set_model("claude");
    auto* m = r.add_messages();
    m->set_role(v1::ROLE_USER);
    m->set_content("What's the weather in Paris and Rome?");
    return r;
  }

  // Re-derives the signature from what the server received.
  void ExpectValidSignature(size_t i) {
    const auto& req = server_->requests.at(i);
    bedrock::SigV4Input in;
    in.method = "POST";
    const std::string target(req.target());
    in.path = target;
    in.headers = {{"host", Header(i, "host")},
                  {"x-amz-date", Header(i, "x-amz-date")},
                  {"x-amz-security-token", Header(i, "x-amz-security-token")}};
    in.payload = req.body();
    in.region = "us-east-1";
    in.service = "bedrock";
    const std::string date = Header(i, "x-amz-date");
    in.amz_date = date;
    EXPECT_EQ(Header(i, "authorization"),
              bedrock::AuthorizationHeader(
                  in, bedrock::AwsCredentials{"AKIDEXAMPLE", kSecret, kToken}));
  }

  UpstreamCall call_{ctx_, kModel, ""};
};

TEST_F(BedrockProviderTest, ConverseSignedRequestAndResponse) {
  const json::value f = Fixture("response_tool_use.json");
  Serve(Answer(
      Response(200, json::serialize(f.at("converse_response")),
               "x-amzn-RequestId: 5c7d3e1a-aaaa-bbbb-cccc-0123456789ab\r\n")));
  auto p = Provider();
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p->Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id(), "chatcmpl-5c7d3e1a-aaaa-bbbb-cccc-0123456789ab");
  EXPECT_EQ(r->provider(), "bedrock");
  EXPECT_EQ(r->model(), kModel);
  EXPECT_EQ(r->created(), 1440938160);
  ASSERT_EQ(r->choices(0).message().tool_calls_size(), 2);
  EXPECT_EQ(r->choices(0).finish_reason(), v1::FINISH_REASON_TOOL_CALLS);

  ASSERT_EQ(server_->requests.size(), 1u);
  const auto& sent = server_->requests[0];
  EXPECT_EQ(sent.method(), http::verb::post);
  EXPECT_EQ(sent.target(),
            "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  EXPECT_EQ(Header(0, "content-type"), "application/json");
  EXPECT_EQ(Header(0, "accept"), "application/json");
  EXPECT_EQ(Header(0, "x-amz-date"), "20150830T123600Z");
  EXPECT_EQ(Header(0, "x-amz-security-token"), kToken);
  const std::string auth = Header(0, "authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
                       "us-east-1/bedrock/aws4_request, "
                       "SignedHeaders=host;x-amz-date;x-amz-security-token, "
                       "Signature=",
                       0),
            0u)
      << auth;
  ExpectValidSignature(0);
  // The body is exactly the translated request (default maxTokens 4096).
  auto want = bedrock::BuildConverseBody(req, 4096);
  ASSERT_TRUE(want.ok());
  EXPECT_EQ(sent.body(), *want);
}

TEST_F(BedrockProviderTest, NoSessionTokenNotSigned) {
  Serve(Answer(Response(
      200, json::serialize(
               Fixture("response_plain.json").at("converse_response")))));
  auto p = Provider(/*session_token=*/false);
  auto cfg = Config();
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p->Chat(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id(), "chatcmpl-trace123");  // no x-amzn-RequestId
  EXPECT_EQ(Header(0, "x-amz-security-token"), "");
  EXPECT_NE(Header(0, "authorization").find("SignedHeaders=host;x-amz-date, "),
            std::string::npos);
}

TEST_F(BedrockProviderTest, ErrorsAreMappedAndScrubbed) {
  // A body that (implausibly) echoes the secret must not leak it.
  Serve(Answer(Response(
      429,
      std::string(R"({"message":"Too many requests for )") + kSecret + R"("})",
      "x-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/coral/"
      "com.amazon.bedrock/\r\nRetry-After: 3\r\n")));
  auto p = Provider();
  auto req = ChatReq();
  auto r = Run<Result<v1::ChatResponse>>([&] { return p->Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 429);
  EXPECT_EQ(r.error().type, "rate_limit_error");
  EXPECT_EQ(r.error().code, "ThrottlingException");
  EXPECT_EQ(r.error().message, "bedrock: Too many requests for [REDACTED]");
  ASSERT_TRUE(r.error().retry_after.has_value());
  EXPECT_EQ(r.error().retry_after->count(), 3000);
}

TEST_F(BedrockProviderTest, ImageUrlRefusedBeforeSending) {
  Serve(Answer(Response(200, "{}")));
  auto p = Provider();
  auto req = ChatReq();
  req.mutable_messages(0)->add_parts()->mutable_image_url()->set_url(
      "https://example.com/cat.png");
  auto r = Run<Result<v1::ChatResponse>>([&] { return p->Chat(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_EQ(r.error().message,
            "bedrock: image URLs are not supported; send a data URL");
  EXPECT_TRUE(server_->requests.empty());
}

TEST_F(BedrockProviderTest, StreamParallelToolCalls) {
  const json::value f = Fixture("stream_parallel_tools.json");
  Serve(EventStream(Frames(f.at("events").as_array()), 37));
  auto p = Provider();
  auto req = ChatReq();
  RecordingSink sink;
  auto st = Run<Status>([&] { return p->ChatStream(call_, req, sink); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(server_->requests[0].target(),
            "/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/"
            "converse-stream");
  EXPECT_EQ(Header(0, "accept"), "application/vnd.amazon.eventstream");
  ExpectValidSignature(0);
  const auto& want = f.at("chunks").as_array();
  ASSERT_EQ(sink.chunks.size(), want.size());
  for (const auto& c : sink.chunks) {
    EXPECT_EQ(c.id(), "chatcmpl-trace123");
    EXPECT_EQ(c.provider(), "bedrock");
    EXPECT_EQ(c.model(), kModel);
  }
  EXPECT_EQ(sink.chunks[4].choices(0).delta().tool_calls(0).id(),
            "tooluse_Rome02");
  EXPECT_EQ(sink.chunks.back().usage().total_tokens(), 451);
  EXPECT_TRUE(ctx_.first_token.has_value());
}

TEST_F(BedrockProviderTest, StreamExceptionMidStream) {
  const json::value f = Fixture("stream_exception.json");
  Serve(EventStream(Frames(f.at("events").as_array()), 11));
  auto p = Provider();
  auto req = ChatReq();
  RecordingSink sink;
  auto st = Run<Status>([&] { return p->ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 429);
  EXPECT_EQ(st.error().message,
            "bedrock: Too many tokens, please wait before trying again.");
  EXPECT_EQ(sink.chunks.size(), 2u);  // role, then "Par"
}

TEST_F(BedrockProviderTest, StreamTruncatedAndCorrupt) {
  const json::value f = Fixture("stream_text.json");
  const std::string frames = Frames(f.at("events").as_array());
  Serve(EventStream(frames, 16, /*cut=*/true));
  auto p = Provider();
  auto req = ChatReq();
  {
    RecordingSink sink;
    auto st = Run<Status>([&] { return p->ChatStream(call_, req, sink); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().http_status, 502);
    EXPECT_EQ(st.error().message, "bedrock: upstream stream truncated");
  }
  std::string corrupt = frames;
  corrupt[corrupt.size() - 2] ^= 0x5a;  // last frame's message CRC
  Serve(EventStream(corrupt, 64));
  p = Provider();
  {
    RecordingSink sink;
    auto st = Run<Status>([&] { return p->ChatStream(call_, req, sink); });
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().http_status, 502);
    EXPECT_EQ(st.error().message,
              "bedrock: malformed event stream: event stream message CRC "
              "mismatch");
    EXPECT_EQ(sink.chunks.size(), 5u);  // everything before the bad frame
  }
}

TEST_F(BedrockProviderTest, StreamHttpErrorBeforeBody) {
  Serve(Answer(Response(400, R"({"message":"Malformed input request"})",
                        "x-amzn-ErrorType: ValidationException\r\n")));
  auto p = Provider();
  auto req = ChatReq();
  RecordingSink sink;
  auto st = Run<Status>([&] { return p->ChatStream(call_, req, sink); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().http_status, 400);
  EXPECT_EQ(st.error().code, "ValidationException");
  EXPECT_EQ(st.error().message, "bedrock: Malformed input request");
  EXPECT_TRUE(sink.chunks.empty());
}

TEST_F(BedrockProviderTest, TitanEmbeddingsOneCallPerInput) {
  int n = 0;
  Serve([&n](tcp::socket& s, const ServerRequest&) -> asio::awaitable<void> {
    ++n;
    co_await WriteRaw(
        s,
        Response(200,
                 n == 1 ? R"({"embedding":[0.5,0.25],"inputTextTokenCount":2})"
                        : R"({"embedding":[1,-1],"inputTextTokenCount":3})"));
  });
  auto p = Provider();
  call_.upstream_model = "amazon.titan-embed-text-v2:0";
  v1::EmbedRequest req;
  req.set_model("emb");
  req.add_input("Hello world");
  req.add_input("Bye now friend");
  req.set_dimensions(256);
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p->Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(server_->requests.size(), 2u);
  EXPECT_EQ(server_->requests[0].target(),
            "/model/amazon.titan-embed-text-v2%3A0/invoke");
  ExpectValidSignature(1);
  bedrock::testing::ExpectJsonEq(
      json::parse(server_->requests[1].body()),
      json::parse(R"({"inputText":"Bye now friend","dimensions":256})"));
  ASSERT_EQ(r->data_size(), 2);
  EXPECT_EQ(r->data(1).index(), 1);
  EXPECT_EQ(r->data(1).embedding(1), -1.0f);
  EXPECT_EQ(r->usage().prompt_tokens(), 5);
  EXPECT_EQ(r->usage().total_tokens(), 5);
  EXPECT_EQ(r->provider(), "bedrock");
  EXPECT_EQ(r->model(), "amazon.titan-embed-text-v2:0");
}

TEST_F(BedrockProviderTest, CohereEmbeddingsOneCall) {
  Serve(Answer(
      Response(200,
               R"({"embeddings":[[0.1],[0.2]],"id":"x",)"
               R"("response_type":"embeddings_floats","texts":["a","b"]})",
               "X-Amzn-Bedrock-Input-Token-Count: 4\r\n")));
  auto p = Provider();
  call_.upstream_model = "cohere.embed-english-v3";
  v1::EmbedRequest req;
  req.add_input("a");
  req.add_input("b");
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p->Embed(call_, req); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(server_->requests.size(), 1u);
  EXPECT_EQ(server_->requests[0].target(),
            "/model/cohere.embed-english-v3/invoke");
  bedrock::testing::ExpectJsonEq(
      json::parse(server_->requests[0].body()),
      json::parse(R"({"texts":["a","b"],"input_type":"search_document"})"));
  EXPECT_EQ(r->data_size(), 2);
  EXPECT_EQ(r->usage().prompt_tokens(), 4);
}

TEST_F(BedrockProviderTest, UnsupportedEmbeddingModelAndMissingCredentials) {
  auto p = Provider();
  call_.upstream_model = "anthropic.claude-3-haiku-20240307-v1:0";
  v1::EmbedRequest req;
  req.add_input("a");
  auto r = Run<Result<v1::EmbedResponse>>([&] { return p->Embed(call_, req); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_EQ(r.error().message.rfind("bedrock: embeddings are supported for", 0),
            0u);

  auto cfg = Config();
  cfg.set_aws_access_key_id_env("ACROSS_TEST_NO_SUCH_KEY_ID");
  BedrockProvider none(cfg, bedrock::AwsCredentials{});
  auto chat = ChatReq();
  auto c =
      Run<Result<v1::ChatResponse>>([&] { return none.Chat(call_, chat); });
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().http_status, 500);
  EXPECT_EQ(c.error().message,
            "bedrock: AWS credentials are not set (ACROSS_TEST_NO_SUCH_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY)");
}

TEST(BedrockCredentials, FromNamedEnvironmentVariables) {
  ::setenv("ACROSS_T_AKID", "AKIDFROMENV", 1);
  ::setenv("ACROSS_T_SECRET", "secret-from-env", 1);
  ::unsetenv("ACROSS_T_TOKEN");
  ::across::config::v1::ProviderConfig cfg;
  cfg.set_aws_access_key_id_env("ACROSS_T_AKID");
  cfg.set_aws_secret_access_key_env("ACROSS_T_SECRET");
  cfg.set_aws_session_token_env("ACROSS_T_TOKEN");
  auto c = BedrockProvider::CredentialsFromEnv(cfg);
  EXPECT_EQ(c.access_key_id, "AKIDFROMENV");
  EXPECT_EQ(c.secret_access_key, "secret-from-env");
  EXPECT_EQ(c.session_token, "");
  EXPECT_TRUE(c.complete());
}

}  // namespace
}  // namespace across
