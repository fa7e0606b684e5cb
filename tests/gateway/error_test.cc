#include "gateway/common/error.h"

#include <gtest/gtest.h>

#include "gateway/common/request_context.h"

namespace across {
namespace {

TEST(Error, HttpStatusToGrpcCode) {
  EXPECT_EQ(GrpcCodeForHttpStatus(400), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(GrpcCodeForHttpStatus(401), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(GrpcCodeForHttpStatus(403), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(GrpcCodeForHttpStatus(404), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(GrpcCodeForHttpStatus(413), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(GrpcCodeForHttpStatus(429), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(GrpcCodeForHttpStatus(408), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(GrpcCodeForHttpStatus(504), grpc::StatusCode::DEADLINE_EXCEEDED);
  for (int s : {502, 503, 529}) {
    EXPECT_EQ(GrpcCodeForHttpStatus(s), grpc::StatusCode::UNAVAILABLE) << s;
  }
  EXPECT_EQ(GrpcCodeForHttpStatus(446), grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(Error, TypesFollowOpenAi) {
  EXPECT_EQ(ErrorTypeForStatus(400), "invalid_request_error");
  EXPECT_EQ(ErrorTypeForStatus(401), "authentication_error");
  EXPECT_EQ(ErrorTypeForStatus(403), "permission_error");
  EXPECT_EQ(ErrorTypeForStatus(429), "rate_limit_error");
  EXPECT_EQ(ErrorTypeForStatus(503), "api_error");
  EXPECT_EQ(Error::NotFound("x", "model_not_found").type, "invalid_request_error");
  EXPECT_TRUE(IsTimeout(Error::Timeout("slow")));
  EXPECT_FALSE(IsTimeout(Error::Unavailable("down")));
}

TEST(Error, ResultHoldsValueOrError) {
  Result<int> ok = 3;
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 3);
  Result<int> bad = Error::InvalidRequest("nope", "model");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().http_status, 400);
  EXPECT_EQ(bad.error().param, "model");
}

TEST(RoutingHeaders, AcceptsNamesCaseInsensitively) {
  RoutingHeaders h;
  h.Accept("X-Across-Provider", "groq");
  h.Accept("x-across-config", "cheap");
  h.Accept("X-ACROSS-TRACE-ID", "t1");
  h.Accept("Authorization", "Bearer k");
  h.Accept("x-unrelated", "v");
  EXPECT_EQ(h.provider, "groq");
  EXPECT_EQ(h.config, "cheap");
  EXPECT_EQ(h.trace_id, "t1");
  EXPECT_EQ(h.authorization, "Bearer k");
}

TEST(RequestContext, TraceIdsAreUniqueHex) {
  std::string a = NewTraceId(), b = NewTraceId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace across
