// AWS Signature Version 4 request signing (header form) with OpenSSL's
// SHA-256 and HMAC-SHA256.
//
// Reference:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Tested against AWS's published SigV4 test suite (example key AKIDEXAMPLE,
// region us-east-1, service "service", 20150830T123600Z).
//
// Paths: the canonical URI is built from the path exactly as it goes on the
// wire, URI-encoding each segment once more. This is the rule for every
// service but S3 ("each path segment URI-encoded twice"): a Bedrock model id
// "m-v1:0" travels as "/model/m-v1%3A0/converse" and is signed as
// "/model/m-v1%253A0/converse", which is what botocore and the AWS SDKs do.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace across::bedrock {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // "" for long-term keys

  bool complete() const {
    return !access_key_id.empty() && !secret_access_key.empty();
  }
};

// What gets signed. Header names may have any case; `headers` must include
// "host" and "x-amz-date" (and "x-amz-security-token" when a session token
// is used) with the values that will be sent.
struct SigV4Input {
  std::string_view method;  // "POST"
  std::string_view path;    // as on the wire, e.g. "/model/m%3A0/converse"
  std::string_view query;   // without '?'; "" when none
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view payload;
  std::string_view region;    // "us-east-1"
  std::string_view service;   // "bedrock"
  std::string_view amz_date;  // "20150830T123600Z"
};

// ---- Building blocks (exposed for the test vectors) -------------------------

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
// AWS UriEncode: every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
// `keep_slash`) becomes %XX with upper-case hex.
std::string UriEncode(std::string_view s, bool keep_slash);
// Percent-encodes one path segment so it can be placed in a URL path.
inline std::string EncodePathSegment(std::string_view s) {
  return UriEncode(s, false);
}

// "/a/./b/../c//" → "/a/c/", then each segment URI-encoded; "" → "/".
std::string CanonicalUri(std::string_view wire_path);
// Parameters decoded, re-encoded, sorted by name then value.
std::string CanonicalQuery(std::string_view query);
// "name:value\n" lines (sorted, values trimmed and inner spaces squeezed,
// repeated names joined with ',') and the ';'-joined name list.
std::pair<std::string, std::string> CanonicalHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers);

std::string CanonicalRequest(const SigV4Input& in);
// "20150830/us-east-1/service/aws4_request"
std::string CredentialScope(const SigV4Input& in);
std::string StringToSign(const SigV4Input& in);
// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request"), raw bytes.
std::string SigningKey(std::string_view secret, std::string_view date,
                       std::string_view region, std::string_view service);
// Lower-case hex signature.
std::string Signature(const SigV4Input& in, const AwsCredentials& creds);

// ---- The whole thing --------------------------------------------------------

// The Authorization header value:
// "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,
//  SignedHeaders=host;x-amz-date, Signature=<hex>".
std::string AuthorizationHeader(const SigV4Input& in,
                                const AwsCredentials& creds);

// "YYYYMMDDTHHMMSSZ" in UTC.
std::string AmzDate(std::chrono::system_clock::time_point t);

}  // namespace across::bedrock
