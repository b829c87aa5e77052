// Signing is checked against values AWS publishes: the Signature Version 4 test suite
// (credentials AKIDEXAMPLE, 2015-08-30, service "service") and the worked examples of the
// S3 API reference (examplebucket, AKIAIOSFODNN7EXAMPLE, 2013-05-24).
#include "objstore/s3/sigv4.h"

#include <gtest/gtest.h>

namespace strata::s3 {
namespace {

const SigV4Credentials kSuiteCreds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const SigV4Credentials kS3Creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                ""};
constexpr char kS3Host[] = "examplebucket.s3.amazonaws.com";
constexpr char kS3Date[] = "20130524T000000Z";

std::string SignatureOf(const std::string& authorization) {
  size_t at = authorization.find("Signature=");
  return at == std::string::npos ? "" : authorization.substr(at + 10);
}

SigV4Request SuiteRequest(std::string method, HeaderList query = {}) {
  return SigV4Request{std::move(method),
                      "/",
                      std::move(query),
                      {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                      std::string(kEmptySha256)};
}

SigV4Request S3Request(std::string method, std::string path, HeaderList query, HeaderList extra,
                       std::string payload_hash) {
  SigV4Request request{std::move(method), UriEncode(path, false), std::move(query),
                       std::move(extra), payload_hash};
  request.headers.emplace_back("Host", kS3Host);
  request.headers.emplace_back("x-amz-date", kS3Date);
  request.headers.emplace_back("x-amz-content-sha256", payload_hash);
  return request;
}

TEST(SigV4Test, SigningKeyFromTheDocumentation) {
  EXPECT_EQ(HexEncode(SigningKey(kSuiteCreds.secret_key, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Test, SuiteGetVanilla) {
  SigV4Request request = SuiteRequest("GET");
  EXPECT_EQ(CanonicalRequest(request),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request",
                         CanonicalRequest(request)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(Authorization(request, kSuiteCreds, "us-east-1", "service", "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
            "SignedHeaders=host;x-amz-date,"
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, SuiteQueryOrderAndPost) {
  auto sign = [](const SigV4Request& r) {
    return SignatureOf(Authorization(r, kSuiteCreds, "us-east-1", "service", "20150830T123600Z"));
  };
  EXPECT_EQ(sign(SuiteRequest("GET", {{"Param2", "value2"}, {"Param1", "value1"}})),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  EXPECT_EQ(sign(SuiteRequest("POST")),
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

TEST(SigV4Test, S3GetObjectWithRange) {
  SigV4Request request =
      S3Request("GET", "/test.txt", {}, {{"Range", "bytes=0-9"}}, std::string(kEmptySha256));
  std::string canonical = CanonicalRequest(request);
  EXPECT_EQ(canonical,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" +
                std::string(kEmptySha256) +
                "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
                std::string(kEmptySha256));
  EXPECT_EQ(StringToSign(kS3Date, CredentialScope("20130524", "us-east-1", "s3"), canonical),
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Authorization(request, kS3Creds, "us-east-1", "s3", kS3Date),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, S3PutObject) {
  std::string hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigV4Request request = S3Request(
      "PUT", "/test$file.text", {},
      {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
      hash);
  EXPECT_EQ(request.canonical_uri, "/test%24file.text");
  EXPECT_EQ(SignedHeaders(request.headers),
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(SignatureOf(Authorization(request, kS3Creds, "us-east-1", "s3", kS3Date)),
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, S3BucketRequestsWithQueryParameters) {
  SigV4Request lifecycle =
      S3Request("GET", "/", {{"lifecycle", ""}}, {}, std::string(kEmptySha256));
  EXPECT_EQ(SignatureOf(Authorization(lifecycle, kS3Creds, "us-east-1", "s3", kS3Date)),
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  // Given out of order on purpose: the canonical query string sorts them.
  SigV4Request list =
      S3Request("GET", "/", {{"prefix", "J"}, {"max-keys", "2"}}, {}, std::string(kEmptySha256));
  EXPECT_EQ(CanonicalQueryString(list.query), "max-keys=2&prefix=J");
  EXPECT_EQ(SignatureOf(Authorization(list, kS3Creds, "us-east-1", "s3", kS3Date)),
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, UriEncodingFollowsS3Rules) {
  EXPECT_EQ(UriEncode("aZ09-_.~", true), "aZ09-_.~");
  EXPECT_EQ(UriEncode("a b/c+d=é*", false), "a%20b/c%2Bd%3D%C3%A9%2A");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b%2Fc");
  EXPECT_EQ(UriEncode(std::string("\0\xff", 2), true), "%00%FF");
  EXPECT_EQ(UriDecode("a%20b%2fc%C3%A9"), "a b/c\xc3\xa9");
  EXPECT_EQ(UriDecode("100%"), "100%");
  EXPECT_EQ(UriDecode("%zz%4"), "%zz%4");
}

TEST(SigV4Test, CanonicalQueryEncodesAndKeepsEmptyValues) {
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"uploadId", "a/b+c"}, {"partNumber", "2"}}),
            "partNumber=2&uploadId=a%2Fb%2Bc");
  EXPECT_EQ(CanonicalQueryString({}), "");
}

TEST(SigV4Test, HeaderValuesAreTrimmedAndNamesLowerCased) {
  SigV4Request request{
      "GET", "/", {}, {{"X-Custom", "  a   b  "}, {"Host", "h"}}, "UNSIGNED-PAYLOAD"};
  EXPECT_EQ(CanonicalRequest(request),
            "GET\n/\n\nhost:h\nx-custom:a b\n\nhost;x-custom\nUNSIGNED-PAYLOAD");
}

TEST(SigV4Test, DateAndDigests) {
  EXPECT_EQ(FormatAmzDate(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
  EXPECT_EQ(Sha256Hex(""), kEmptySha256);
  EXPECT_EQ(Md5Base64(""), "1B2M2Y8AsgTpgAmY7PhCfg==");
}

}  // namespace
}  // namespace strata::s3
