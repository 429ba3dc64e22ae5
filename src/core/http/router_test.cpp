#include "core/http/router.hpp"

#include <gtest/gtest.h>

namespace zt::core::http {
namespace {

Handler noop() {
  return [](Request&, RequestContext&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

TEST(Router, MatchesLiteralsAndParameters) {
  Router r;
  r.add(Method::kGet, "/api/mall/v1/products", noop());
  r.add(Method::kGet, "/api/mall/v1/products/{code}", noop());
  r.add(Method::kPost, "/api/mall/v1/products/{code}/orders", noop());
  auto m = r.match(Method::kGet, "/api/mall/v1/products/F%20001");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.route->pattern, "/api/mall/v1/products/{code}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "code");
  EXPECT_EQ(m.params[0].second, "F 001");
  EXPECT_EQ(r.match(Method::kGet, "/api/mall/v1/products").kind, RouteMatch::Kind::kFound);
}

TEST(Router, DistinguishesNotFoundFromMethodNotAllowed) {
  Router r;
  r.add(Method::kGet, "/a/{id}", noop());
  r.add(Method::kDelete, "/a/{id}", noop());
  EXPECT_EQ(r.match(Method::kGet, "/b").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/a").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/a/1/x").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/a/").kind, RouteMatch::Kind::kNotFound) << "an empty segment is no parameter";
  auto m = r.match(Method::kPost, "/a/1");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "GET, DELETE");
  EXPECT_EQ(r.match(Method::kHead, "/a/1").kind, RouteMatch::Kind::kFound) << "HEAD is served by GET";
}

TEST(Router, RefusesBadTemplatesAndDuplicates) {
  Router r;
  r.add(Method::kGet, "/a/{id}", noop());
  EXPECT_THROW(r.add(Method::kGet, "/a/{id}", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::kGet, "/a/{other}/x", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::kGet, "a", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::kGet, "/x/{}", noop()), std::invalid_argument);
  EXPECT_THROW(r.add(Method::kGet, "/x/a{b}", noop()), std::invalid_argument);
}

TEST(Router, MalformedEscapesOrEncodedSlashesDoNotMatch) {
  Router r;
  r.add(Method::kGet, "/a/{id}", noop());
  EXPECT_EQ(r.match(Method::kGet, "/a/%zz").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/a/%2F").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(r.match(Method::kGet, "/a/%4").kind, RouteMatch::Kind::kNotFound);
}

TEST(Request, QueryParametersAreDecoded) {
  Request req;
  req.target = "/x?limit=10&cursor=a%2Bb&name=%E5%BC%A0+%E4%B8%89&flag";
  EXPECT_EQ(req.path(), "/x");
  EXPECT_EQ(req.query_param("limit"), "10");
  EXPECT_EQ(req.query_param("cursor"), "a+b");
  EXPECT_EQ(req.query_param("name"), "张 三");
  EXPECT_EQ(req.query_param("flag"), "");
  EXPECT_FALSE(req.query_param("missing"));
}

}  // namespace
}  // namespace zt::core::http
