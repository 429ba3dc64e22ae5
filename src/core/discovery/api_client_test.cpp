// How typed service clients read an answer (api_client.hpp): only the service's own refusal is
// final; everything else leaves the outcome unknown, to be sent again or looked up.
#include "core/discovery/api_client.hpp"

#include <gtest/gtest.h>

#include "core/http/message.hpp"

namespace zt::core::discovery {
namespace {

TEST(ApiClientVerdict, OnlyTheServicesOwnRefusalIsFinal) {
  struct Case {
    int status;
    const char* code;
    Verdict verdict;
    const char* why;
  };
  const Case cases[] = {
      {200, "", Verdict::kDone, "answered"},
      {204, "", Verdict::kDone, "answered without a body"},
      {409, "COUNTER_INSUFFICIENT_CASH", Verdict::kRefused, "the counter's business refusal"},
      {404, "COUNTER_ORDER_NOT_FOUND", Verdict::kRefused, "the counter's own 404"},
      {403, "COUNTER_SERVICE_ONLY", Verdict::kUnknown,
       "about the caller (an identity that failed to verify on a re-send), not about an earlier attempt"},
      {401, "COUNTER_UNAUTHENTICATED", Verdict::kUnknown, "about the caller"},
      {400, "COUNTER_BAD_PARAM", Verdict::kRefused, "the same bytes were refused before anything was done"},
      {409, "COUNTER_REQUEST_REUSED", Verdict::kUnknown, "the id was used before: the first request may have been done"},
      {409, "COUNTERFEIT_X", Verdict::kUnknown, "another prefix that merely starts alike"},
      {409, "MALL_INSUFFICIENT_CASH", Verdict::kUnknown, "another service's code (passed through)"},
      {404, "NOT_FOUND", Verdict::kUnknown, "a restarting instance without its routes"},
      {408, "REQUEST_TIMEOUT", Verdict::kUnknown, "timed out: may have been done"},
      {408, "COUNTER_X", Verdict::kUnknown, "a 408 whatever its code"},
      {429, "COUNTER_FLOW_LIMITED", Verdict::kUnknown, "flow control: try again"},
      {400, "INVALID_FIELD", Verdict::kUnknown, "not the counter's code (a proxy's, the gateway's)"},
      {400, "", Verdict::kUnknown, "an answer without the error shape"},
      {500, "COUNTER_INTERNAL", Verdict::kUnknown, "a 5xx is never final"},
      {502, "UPSTREAM_ERROR", Verdict::kUnknown, "the answer lost on the way"},
      {503, "SERVICE_UNAVAILABLE", Verdict::kUnknown, "unavailable"},
      {0, "", Verdict::kUnknown, "no answer at all"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(classify(c.status, c.code, "COUNTER"), c.verdict) << c.status << " " << c.code << ": " << c.why;
  EXPECT_EQ(classify(409, "SUIT_WARNING_NOT_SIGNED", "SUIT"), Verdict::kRefused) << "the prefix is the service's";
  EXPECT_EQ(classify(409, "SUIT_WARNING_NOT_SIGNED", "COUNTER"), Verdict::kUnknown);
}

}  // namespace
}  // namespace zt::core::discovery

namespace zt::core::discovery {
namespace {

// segment() is for the typed clients; a subclass reaches it here.
struct Paths : ApiClient {
  using ApiClient::segment;
};

TEST(ApiClientPaths, AValueIsOneCanonicalSegmentOrRefusedAsNone) {
  EXPECT_EQ(Paths::segment("calendar.yaml"), "calendar.yaml") << "unreserved characters stay as they are";
  EXPECT_EQ(Paths::segment("C1001-a_b~c"), "C1001-a_b~c");
  EXPECT_EQ(Paths::segment("a/b?c#d"), "a%2Fb%3Fc%23d") << "cannot leave its segment";
  EXPECT_EQ(Paths::segment("张三 1"), "%E5%BC%A0%E4%B8%89%201");
  // What segment() makes is a canonical path, except for a value holding a '/' or being '.' or
  // '..', which the services then refuse (400 PATH_NOT_CANONICAL) instead of reading another path.
  for (const char* v : {"calendar.yaml", "..x", "%2e", "张三", "a?b"})
    EXPECT_TRUE(http::canonical_path("/api/x/" + Paths::segment(v))) << v;
  for (const char* v : {".", "..", "a/b", "../y"}) EXPECT_FALSE(http::canonical_path("/api/x/" + Paths::segment(v) + "/y")) << v;
}

}  // namespace
}  // namespace zt::core::discovery
