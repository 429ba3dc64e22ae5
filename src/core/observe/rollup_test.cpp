#include "core/observe/rollup.hpp"

#include <gtest/gtest.h>

namespace zt::core::observe {
namespace {

constexpr std::int64_t kMinute = 29'943'351;  // 23:51 UTC on 2026-12-06
constexpr std::uint64_t kNanosPerMinute = 60'000'000'000ull;

// A span ending `second` seconds into `minute`, `millis` long.
Span call(SpanKind kind, std::string name, std::int64_t minute, int second, double millis,
          std::vector<Attribute> attributes = {}) {
  Span s;
  s.trace_id[0] = 1;
  s.span_id[0] = 1;
  s.kind = kind;
  s.name = std::move(name);
  s.end_unix_nano =
      static_cast<std::uint64_t>(minute) * kNanosPerMinute + static_cast<std::uint64_t>(second) * 1'000'000'000ull;
  s.start_unix_nano = s.end_unix_nano - static_cast<std::uint64_t>(millis * 1e6);
  s.attributes = std::move(attributes);
  return s;
}

SpanBatch from(std::string service, std::string instance, std::vector<Span> spans) {
  return SpanBatch{SpanSource{std::move(service), std::move(instance), {}, "zhongtai", ""}, std::move(spans)};
}

TEST(MinuteRollup, ServerSpansMakeServiceInstanceAndEndpointFiguresByMinute) {
  MinuteRollup r;
  const std::string orders = "/api/mall/v1/orders", product = "/api/mall/v1/products/{code}";
  EXPECT_EQ(r.add(from("mall", "mall-1",
                       {call(SpanKind::kServer, "POST " + orders, kMinute, 5, 4.0, {{"http.route", orders}}),
                        call(SpanKind::kServer, "GET", kMinute, 6, 0.5, {{"http.route", product}}),
                        call(SpanKind::kServer, "GET", kMinute, 7, 0.7,
                             {{"http.route", product}, {"http.response.status_code", std::int64_t{503}}}),
                        call(SpanKind::kInternal, "confirmation pass", kMinute, 8, 900.0),
                        call(SpanKind::kServer, "GET", kMinute + 1, 1, 0.6, {{"http.route", product}})}),
                  kMinute),
            4u);  // the internal span is not a call
  EXPECT_EQ(r.add(from("mall", "mall-2", {call(SpanKind::kServer, "GET", kMinute, 30, 0.9, {{"http.route", product}})}),
                  kMinute),
            1u);
  auto taken = r.take_before(kMinute + 1);
  ASSERT_EQ(taken.size(), 1u);  // the later minute stays
  const auto& m = taken.at(kMinute);
  const auto& service = m.at({SeriesScope::kService, "mall", ""});
  EXPECT_EQ(service.calls, 4u);
  EXPECT_EQ(service.errors, 1u);
  EXPECT_DOUBLE_EQ(service.error_rate(), 0.25);
  EXPECT_NEAR(service.latency.mean(), (4000.0 + 500.0 + 700.0 + 900.0) / 4, 1e-6);
  EXPECT_EQ(m.at({SeriesScope::kInstance, "mall", "mall-1"}).calls, 3u);
  EXPECT_EQ(m.at({SeriesScope::kInstance, "mall", "mall-2"}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEndpoint, "mall", orders}).calls, 1u);
  const auto& p = m.at({SeriesScope::kEndpoint, "mall", product});
  EXPECT_EQ(p.calls, 3u);
  EXPECT_EQ(p.errors, 1u);
  EXPECT_NEAR(p.latency.quantile(0.5), 700.0, 7.0);
  EXPECT_EQ(m.count({SeriesScope::kEndpoint, "mall", "confirmation pass"}), 0u);
  // Instances merged are the service: the figures add up exactly.
  Figures both = m.at({SeriesScope::kInstance, "mall", "mall-1"});
  both.merge(m.at({SeriesScope::kInstance, "mall", "mall-2"}));
  EXPECT_EQ(both.calls, service.calls);
  EXPECT_EQ(both.errors, service.errors);
  EXPECT_TRUE(both.latency == service.latency);
  // The next minute, taken later; nothing is taken twice.
  EXPECT_TRUE(r.take_before(kMinute + 1).empty());
  auto later = r.take_before(kMinute + 2);
  EXPECT_EQ(later.at(kMinute + 1).at({SeriesScope::kService, "mall", ""}).calls, 1u);
}

TEST(MinuteRollup, ClientSpansMakeEdgesToServicesDatabasesAndVendors) {
  MinuteRollup r;
  r.add(
      from(
          "mall", "",
          {call(SpanKind::kClient, "counter place_order", kMinute, 1, 2.5, {{"peer.service", std::string("counter")}}),
           call(SpanKind::kClient, "counter place_order", kMinute, 2, 30.0, {{"peer.service", std::string("counter")}}),
           call(SpanKind::kClient, "INSERT mall_orders", kMinute, 3, 0.3, {{"db.system", std::string("postgresql")}}),
           call(SpanKind::kClient, "sms send", kMinute, 4, 80.0, {{"server.address", std::string("sms.example.com")}}),
           call(SpanKind::kClient, "mystery", kMinute, 5, 1.0)}),
      kMinute);
  auto failed =
      call(SpanKind::kClient, "counter place_order", kMinute, 6, 5.0, {{"peer.service", std::string("counter")}});
  failed.status = SpanStatus::kError;
  r.add(from("mall", "", {failed}), kMinute);
  const auto m = r.take_before(kMinute + 1).at(kMinute);
  const auto& counter = m.at({SeriesScope::kEdge, "mall", "counter"});
  EXPECT_EQ(counter.calls, 3u);
  EXPECT_EQ(counter.errors, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEdge, "mall", "postgresql"}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEdge, "mall", "sms.example.com"}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEdge, "mall", "unknown"}).calls, 1u);
  EXPECT_EQ(m.count({SeriesScope::kService, "mall", ""}), 0u);  // the mall answered nothing here
  // A 5xx is a failed call for the server that answered it, not for the client that got it.
  EXPECT_FALSE(MinuteRollup::failed(
      call(SpanKind::kClient, "x", kMinute, 1, 1, {{"http.response.status_code", std::int64_t{503}}})));
  EXPECT_TRUE(
      MinuteRollup::failed(call(SpanKind::kServer, "x", kMinute, 1, 1, {{"http.status_code", std::string("500")}})));
  EXPECT_FALSE(MinuteRollup::failed(
      call(SpanKind::kServer, "x", kMinute, 1, 1, {{"http.response.status_code", std::int64_t{409}}})));
}

TEST(MinuteRollup, NamesPastTheCapFoldIntoOtherAndClocksOutsideTheWindowAreLeftOut) {
  RollupLimits limits;
  limits.max_endpoints = 2;
  limits.max_peers = 1;
  limits.max_instances = 1;
  limits.max_services = 1;
  MinuteRollup r(limits);
  // Raw paths with ids as names (a sender that does not template them): bounded all the same.
  std::vector<Span> spans;
  for (int id = 0; id < 50; ++id)
    spans.push_back(call(SpanKind::kServer, "GET /orders/MO2026" + std::to_string(id), kMinute, 1, 1.0));
  spans.push_back(call(SpanKind::kClient, "a", kMinute, 1, 1.0, {{"peer.service", std::string("counter")}}));
  spans.push_back(call(SpanKind::kClient, "b", kMinute, 1, 1.0, {{"peer.service", std::string("auth")}}));
  r.add(from("mall", "mall-1", spans), kMinute);
  r.add(from("mall", "mall-2", {call(SpanKind::kServer, "GET /orders/MO20260", kMinute, 2, 1.0)}), kMinute);
  r.add(from("gateway", "gw-1", {call(SpanKind::kServer, "GET /", kMinute, 2, 1.0)}), kMinute);
  const auto m = r.take_before(kMinute + 1).at(kMinute);
  EXPECT_EQ(m.at({SeriesScope::kEndpoint, "mall", "GET /orders/MO20260"}).calls, 2u);
  EXPECT_EQ(m.at({SeriesScope::kEndpoint, "mall", "GET /orders/MO20261"}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEndpoint, "mall", MinuteRollup::kOther}).calls, 48u);
  EXPECT_EQ(m.at({SeriesScope::kEdge, "mall", "counter"}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kEdge, "mall", MinuteRollup::kOther}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kInstance, "mall", MinuteRollup::kOther}).calls, 1u);
  EXPECT_EQ(m.at({SeriesScope::kService, MinuteRollup::kOther, ""}).calls, 1u);  // the gateway, past one service
  std::size_t endpoints = 0;
  for (const auto& [key, figures] : m) endpoints += key.scope == SeriesScope::kEndpoint;
  EXPECT_EQ(endpoints, 4u);                   // two of the mall's, its "(other)", and the folded service's endpoint
  EXPECT_EQ(r.folded(), 48u + 1u + 1u + 1u);  // endpoints, the auth edge, mall-2, the gateway
  // A sender's clock an hour and a half behind or ten minutes ahead: not counted, counted as such.
  EXPECT_EQ(r.add(from("mall", "mall-1",
                       {call(SpanKind::kServer, "GET /orders/MO20260", kMinute - 90, 1, 1.0),
                        call(SpanKind::kServer, "GET /orders/MO20260", kMinute + 10, 1, 1.0),
                        call(SpanKind::kServer, "GET /orders/MO20260", kMinute - 59, 1, 1.0)}),
                  kMinute),
            1u);
  EXPECT_EQ(r.out_of_window(), 2u);
  EXPECT_EQ(r.take_before(kMinute + 100).size(), 1u);
}

TEST(MinuteRollup, PlacesAreGivenUpWhenUnusedAndSeriesAreBoundedOverall) {
  RollupLimits limits;
  limits.max_endpoints = 1;
  limits.max_services = 1;
  limits.max_series = 2;
  MinuteRollup r(limits);
  // A batch with nothing to count takes no service place.
  EXPECT_EQ(r.add(from("junk", "", {call(SpanKind::kInternal, "x", kMinute, 1, 1.0)}), kMinute), 0u);
  EXPECT_EQ(r.add(from("mall", "", {call(SpanKind::kServer, "GET /a", kMinute, 1, 1.0)}), kMinute), 1u);
  auto m = r.take_before(kMinute + 1).at(kMinute);
  EXPECT_EQ(m.count({SeriesScope::kService, "mall", ""}), 1u);  // the mall had the place, not "junk"
  EXPECT_EQ(m.count({SeriesScope::kEndpoint, "mall", "GET /a"}), 1u);
  // /a unseen for more than the window: /b takes its place.
  const std::int64_t later = kMinute + limits.minutes_back + 5;
  r.take_before(later);
  r.add(from("mall", "", {call(SpanKind::kServer, "GET /b", later, 1, 1.0)}), later);
  m = r.take_before(later + 1).at(later);
  EXPECT_EQ(m.count({SeriesScope::kEndpoint, "mall", "GET /b"}), 1u);
  EXPECT_EQ(r.folded(), 0u);
  // Past max_series live series a new one is not opened; a known one still counts.
  const std::int64_t next = later + 1;
  r.add(from("mall", "",
             {call(SpanKind::kServer, "GET /b", next, 1, 1.0), call(SpanKind::kClient, "c", next, 2, 1.0),
              call(SpanKind::kServer, "GET /b", next, 3, 1.0)}),
        next);
  EXPECT_EQ(r.dropped(), 1u);  // the edge: the service and /b hold the two series there may be
  m = r.take_before(next + 1).at(next);
  EXPECT_EQ(m.at({SeriesScope::kService, "mall", ""}).calls, 2u);
  // Long names are cut (on a character boundary); "5ab" is not a status.
  EXPECT_EQ(r.add(from("mall", "", {call(SpanKind::kServer, std::string(300, 'x'), next + 1, 1, 1.0)}), next + 1), 1u);
  EXPECT_FALSE(
      MinuteRollup::failed(call(SpanKind::kServer, "x", kMinute, 1, 1, {{"http.status_code", std::string("5ab")}})));
  MinuteRollup fresh;
  const std::string long_name = std::string(255, 'x') + "一";  // 258 bytes: 256 would split the character
  fresh.add(from("mall", "", {call(SpanKind::kServer, long_name, kMinute, 1, 1.0)}), kMinute);
  const auto cut = fresh.take_before(kMinute + 1).at(kMinute);
  EXPECT_EQ(cut.count({SeriesScope::kEndpoint, "mall", std::string(255, 'x')}), 1u);
}

}  // namespace
}  // namespace zt::core::observe

namespace zt::core::observe {
namespace {

TEST(MinuteRollup, AnEndpointIsItsMethodAndRouteSoTwoOperationsOnOnePathStayApart) {
  MinuteRollup r;
  const std::string orders = "/api/mall/v1/orders";
  r.add(from("mall", "mall-1",
             {call(SpanKind::kServer, "GET " + orders, kMinute, 1, 1.0, {{"http.route", orders}, {"http.request.method", std::string("GET")}}),
              call(SpanKind::kServer, "POST " + orders, kMinute, 2, 9.0, {{"http.route", orders}, {"http.request.method", std::string("POST")}}),
              call(SpanKind::kServer, "a name without a route", kMinute, 3, 2.0)}),
        kMinute);
  const auto minutes = r.take_before(kMinute + 1);
  const auto& series = minutes.at(kMinute);
  EXPECT_EQ(series.at(SeriesKey{SeriesScope::kEndpoint, "mall", "GET " + orders}).calls, 1u);
  EXPECT_EQ(series.at(SeriesKey{SeriesScope::kEndpoint, "mall", "POST " + orders}).calls, 1u);
  EXPECT_EQ(series.at(SeriesKey{SeriesScope::kEndpoint, "mall", "a name without a route"}).calls, 1u);
  EXPECT_EQ(series.count(SeriesKey{SeriesScope::kEndpoint, "mall", orders}), 0u);
}

TEST(MinuteRollup, PeekCopiesTheOpenMinutesInARangeWithoutTakingThem) {
  MinuteRollup r;
  r.add(from("mall", "mall-1", {call(SpanKind::kServer, "GET /a", kMinute, 1, 1.0), call(SpanKind::kServer, "GET /a", kMinute + 1, 1, 1.0)}),
        kMinute + 1);
  const auto seen = r.peek(kMinute + 1, kMinute + 2, [](const SeriesKey& k) { return k.scope == SeriesScope::kService; });
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen.at(kMinute + 1).size(), 1u);
  EXPECT_EQ(seen.at(kMinute + 1).begin()->second.calls, 1u);
  EXPECT_EQ(r.take_before(kMinute + 2).size(), 2u) << "both minutes still there";
}

}  // namespace
}  // namespace zt::core::observe
