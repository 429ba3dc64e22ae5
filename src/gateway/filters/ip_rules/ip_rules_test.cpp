#include "gateway/filters/ip_rules/ip_rules.hpp"

#include <gtest/gtest.h>

#include "gateway/filters/settings.hpp"
#include "gateway/routing/routes.hpp"

namespace zt::gateway::filters {
namespace {

IpRules rules(const std::string& yaml) { return FilterSettings::parse(yaml).ip; }

TEST(Cidr, MatchesV4AndV6Networks) {
  auto net = *Cidr::parse("10.1.2.3/8");
  EXPECT_TRUE(net.contains(*parse_ip("10.200.0.1")));
  EXPECT_FALSE(net.contains(*parse_ip("11.0.0.1")));
  EXPECT_FALSE(net.contains(*parse_ip("::ffff:b00:1"))) << "11.0.0.1 mapped";
  EXPECT_TRUE(net.contains(*parse_ip("::ffff:10.0.0.9"))) << "an IPv4-mapped IPv6 address is the IPv4 one";
  auto host = *Cidr::parse("192.0.2.7");
  EXPECT_TRUE(host.contains(*parse_ip("192.0.2.7")));
  EXPECT_FALSE(host.contains(*parse_ip("192.0.2.8")));
  auto v6 = *Cidr::parse("2001:db8::/32");
  EXPECT_TRUE(v6.contains(*parse_ip("2001:db8:1::5")));
  EXPECT_FALSE(v6.contains(*parse_ip("2001:db9::1")));
  EXPECT_TRUE(Cidr::parse("0.0.0.0/0")->contains(*parse_ip("8.8.8.8")));
  for (const char* bad : {"10.0.0.0/33", "10.0.0/8", "::1/129", "x", "10.0.0.1/", "10.0.0.1/-1", "", "1.2.3.4/8/8"})
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
}

TEST(IpRules, DenyWinsAllowRestricts) {
  auto r = rules("ip: {allow: [10.0.0.0/8, '::1'], deny: [10.9.0.0/16]}");
  EXPECT_TRUE(r.admits("10.1.1.1"));
  EXPECT_FALSE(r.admits("10.9.1.1"));
  EXPECT_FALSE(r.admits("192.168.1.1"));
  EXPECT_TRUE(r.admits("::1"));
  EXPECT_FALSE(r.admits("garbage")) << "with an allow list, an unreadable address is refused";
  auto deny_only = rules("ip: {deny: [203.0.113.0/24]}");
  EXPECT_TRUE(deny_only.admits("198.51.100.1"));
  EXPECT_FALSE(deny_only.admits("203.0.113.9"));
  EXPECT_TRUE(rules("").admits("anything"));
}

TEST(IpRules, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  auto r = rules("ip: {trusted_proxies: [10.0.0.0/8]}");
  EXPECT_EQ(r.client_address("203.0.113.5", "1.2.3.4"), "203.0.113.5") << "an untrusted peer's header is ignored";
  EXPECT_EQ(r.client_address("10.0.0.2", "198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(r.client_address("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.3"), "198.51.100.7")
      << "from the right, past trusted hops: what the client prepended is not believed";
  EXPECT_EQ(r.client_address("10.0.0.2", "10.0.0.9, 10.0.0.3"), "10.0.0.9") << "all trusted: the leftmost";
  EXPECT_EQ(r.client_address("10.0.0.2", "garbage, 10.0.0.3"), "10.0.0.3") << "stops at what it cannot read";
  EXPECT_EQ(r.client_address("10.0.0.2", ""), "10.0.0.2");
  EXPECT_EQ(rules("").client_address("10.0.0.2", "1.1.1.1"), "10.0.0.2") << "no trusted proxies: never read";
}

TEST(FilterSettings, NamesEveryProblemWithItsLine) {
  try {
    FilterSettings::parse("ip:\n  allow: [10.0.0.0/99]\n  deny: nope\ncors:\n  allow_origins: [ftp://x]\n  max_age_s: -1\nother: 1\n");
    FAIL() << "accepted";
  } catch (const RouteError& e) {
    const std::string all = e.what();
    EXPECT_NE(all.find("ip.allow[0]"), std::string::npos) << all;
    EXPECT_NE(all.find("ip.deny"), std::string::npos) << all;
    EXPECT_NE(all.find("cors.allow_origins[0]"), std::string::npos) << all;
    EXPECT_NE(all.find("cors.max_age_s"), std::string::npos) << all;
    EXPECT_NE(all.find("other"), std::string::npos) << all;
    EXPECT_EQ(e.problems().size(), 5u) << all;
  }
  EXPECT_THROW(FilterSettings::parse("cors: {allow_origins: ['*'], allow_credentials: true}"), RouteError)
      << "credentials with any origin";
  EXPECT_THROW(FilterSettings::parse("[1, 2]"), RouteError);
  EXPECT_THROW(FilterSettings::parse("cors: {"), RouteError);
}

}  // namespace
}  // namespace zt::gateway::filters

namespace zt::gateway::filters {
namespace {

TEST(FilterSettings, ShadowModeNamesFiltersThatMayRunInIt) {
  auto s = FilterSettings::parse("shadow: [client_address, validation]\n");
  EXPECT_EQ(s.shadow, (std::set<std::string>{"client_address", "validation"}));
  EXPECT_TRUE(FilterSettings::parse("").shadow.empty()) << "enforced by default";
  try {
    FilterSettings::parse("shadow: [routing, authentication, access, nope]\n");
    FAIL() << "routing, authentication, access and unknown names cannot be shadowed";
  } catch (const RouteError& e) {
    EXPECT_EQ(e.problems().size(), 4u);
    EXPECT_NE(e.problems().front().message.find("不能以影子模式运行"), std::string::npos);
  }
  EXPECT_THROW(FilterSettings::parse("shadow: access\n"), RouteError) << "a list";
}

}  // namespace
}  // namespace zt::gateway::filters
