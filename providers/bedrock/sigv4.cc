#include "providers/bedrock/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>

namespace across::bedrock {
namespace {

constexpr char kHexLower[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

std::string Hex(const unsigned char* p, size_t n) {
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kHexLower[p[i] >> 4];
    out += kHexLower[p[i] & 15];
  }
  return out;
}

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Query components arrive percent-encoded; the canonical form re-encodes
// the decoded bytes so that "%7e" and "~" sign alike.
std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Trims surrounding whitespace and squeezes inner runs of spaces to one.
std::string TrimAll(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

std::string_view DateOf(std::string_view amz_date) {
  return amz_date.substr(0, 8);
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return Hex(md, len);
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md,
       &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHexUpper[c >> 4];
      out += kHexUpper[c & 15];
    }
  }
  return out;
}

std::string CanonicalUri(std::string_view wire_path) {
  // RFC 3986 dot-segment removal; empty segments ("//") are dropped too,
  // as the test suite's normalize-path cases require.
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= wire_path.size()) {
    size_t slash = wire_path.find('/', pos);
    if (slash == std::string_view::npos) slash = wire_path.size();
    std::string_view seg = wire_path.substr(pos, slash - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = slash + 1;
  }
  std::string_view last = wire_path;
  while (!last.empty() && last.back() == '/') last.remove_suffix(1);
  const size_t cut = last.rfind('/');
  const std::string_view tail =
      cut == std::string_view::npos ? last : last.substr(cut + 1);
  // A path naming a directory ("/a/", "/a/.", "/a/..") keeps its slash.
  const bool trailing_slash =
      !segments.empty() &&
      (wire_path.back() == '/' || tail == "." || tail == "..");

  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    out += UriEncode(seg, false);
  }
  if (out.empty() || trailing_slash) out += '/';
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    pos = amp + 1;
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    params.emplace_back(UriEncode(PercentDecode(name), false),
                        UriEncode(PercentDecode(value), false));
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::pair<std::string, std::string> CanonicalHeaders(
    const std::vector<std::pair<std::string, std::string>>& headers) {
  // Stable sort keeps the order of repeated headers, which the canonical
  // form preserves ("value4,value1,value3,value2").
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    lowered.emplace_back(AsciiLower(name), TrimAll(value));
  }
  std::stable_sort(
      lowered.begin(), lowered.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical;
  std::string signed_names;
  for (size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      canonical.pop_back();  // the '\n'
      canonical += ',';
      canonical += lowered[i].second;
      canonical += '\n';
      continue;
    }
    canonical += lowered[i].first;
    canonical += ':';
    canonical += lowered[i].second;
    canonical += '\n';
    if (!signed_names.empty()) signed_names += ';';
    signed_names += lowered[i].first;
  }
  return {std::move(canonical), std::move(signed_names)};
}

std::string CanonicalRequest(const SigV4Input& in) {
  auto [headers, signed_names] = CanonicalHeaders(in.headers);
  std::string out;
  out.reserve(256 + headers.size());
  out += in.method;
  out += '\n';
  out += CanonicalUri(in.path);
  out += '\n';
  out += CanonicalQuery(in.query);
  out += '\n';
  out += headers;
  out += '\n';
  out += signed_names;
  out += '\n';
  out += Sha256Hex(in.payload);
  return out;
}

std::string CredentialScope(const SigV4Input& in) {
  std::string out(DateOf(in.amz_date));
  out += '/';
  out += in.region;
  out += '/';
  out += in.service;
  out += "/aws4_request";
  return out;
}

std::string StringToSign(const SigV4Input& in) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += in.amz_date;
  out += '\n';
  out += CredentialScope(in);
  out += '\n';
  out += Sha256Hex(CanonicalRequest(in));
  return out;
}

std::string SigningKey(std::string_view secret, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string k_secret = "AWS4";
  k_secret += secret;
  const std::string k_date = HmacSha256(k_secret, date);
  // The "AWS4"+secret buffer held the secret; do not leave it around.
  std::fill(k_secret.begin(), k_secret.end(), '\0');
  const std::string k_region = HmacSha256(k_date, region);
  const std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

std::string Signature(const SigV4Input& in, const AwsCredentials& creds) {
  const std::string key = SigningKey(
      creds.secret_access_key, DateOf(in.amz_date), in.region, in.service);
  const std::string mac = HmacSha256(key, StringToSign(in));
  return Hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string AuthorizationHeader(const SigV4Input& in,
                                const AwsCredentials& creds) {
  const std::string signed_names = CanonicalHeaders(in.headers).second;
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out += creds.access_key_id;
  out += '/';
  out += CredentialScope(in);
  out += ", SignedHeaders=";
  out += signed_names;
  out += ", Signature=";
  out += Signature(in, creds);
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[20];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace across::bedrock
