#include "core/config/config.hpp"

#include <gtest/gtest.h>

#include "core/config/dynamic.hpp"

namespace zt::core::config {
namespace {

std::vector<Schema> schemas() {
  using std::chrono::milliseconds;
  return {{"server",
           {integer("port", 8080).range(1, 65535), duration("idle_timeout", milliseconds(60000)),
            string("mode", "fast").choices({"fast", "safe"}), integer("limits.max_body", 1024),
            string_list("hosts", std::vector<std::string>{})}},
          {"db", {required(string("dsn"))}}};
}

Config load(const std::string& text, const std::vector<std::string>& env = {}) {
  return Config::load_text(text, "test.yaml", schemas(), env);
}

std::vector<Problem> problems(const std::string& text, const std::vector<std::string>& env = {}) {
  try {
    load(text, env);
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

TEST(Config, DefaultsAndFileValues) {
  auto c = load("server:\n  port: 9000\n  limits:\n    max_body: 10\n  hosts: [a, b]\ndb:\n  dsn: x\n");
  EXPECT_EQ(c.section("server").get_int("port"), 9000);
  EXPECT_EQ(c.section("server").get_int("limits.max_body"), 10);
  EXPECT_EQ(c.section("server").get_duration("idle_timeout"), std::chrono::milliseconds(60000));
  EXPECT_EQ(c.section("server").get_strings("hosts"), (std::vector<std::string>{"a", "b"}));
}

TEST(Config, UnknownKeyNamesPathAndLine) {
  auto p = problems("db:\n  dsn: x\nserver:\n  prot: 1\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].path, "server.prot");
  EXPECT_EQ(p[0].line, 4);
  EXPECT_EQ(p[0].file, "test.yaml");
  EXPECT_NE(p[0].message.find("port"), std::string::npos) << p[0].message;
}

TEST(Config, UnknownSectionIsAnError) {
  auto p = problems("db:\n  dsn: x\nservr:\n  port: 1\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].path, "servr");
  EXPECT_EQ(p[0].line, 3);
}

TEST(Config, TypeRangeChoiceAndRequiredErrors) {
  auto p = problems("server:\n  port: abc\n  idle_timeout: 5 minutes\n  mode: turbo\n");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0].path, "server.port");
  EXPECT_EQ(p[1].path, "server.idle_timeout");
  EXPECT_EQ(p[2].path, "server.mode");
  EXPECT_EQ(p[3].path, "db.dsn");
  auto r = problems("db:\n  dsn: x\nserver:\n  port: 70000\n");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].line, 4);
}

TEST(Config, EnvironmentOverridesTheFile) {
  auto c = load("server:\n  port: 9000\ndb:\n  dsn: x\n", {"ZT_SERVER__PORT=9100", "ZT_SERVER__LIMITS__MAX_BODY=7",
                                                             "ZT_SERVER__HOSTS=a,b,c", "PATH=/bin", "ZT_DATA=1"});
  EXPECT_EQ(c.section("server").get_int("port"), 9100);
  EXPECT_EQ(c.section("server").get_int("limits.max_body"), 7);
  EXPECT_EQ(c.section("server").get_strings("hosts").size(), 3u);
}

TEST(Config, BadEnvironmentOverrideIsNamed) {
  auto p = problems("db:\n  dsn: x\n", {"ZT_SERVER__PORTT=1", "ZT_SERVER__PORT=x"});
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].path, "ZT_SERVER__PORTT");
  EXPECT_EQ(p[1].path, "ZT_SERVER__PORT");
}

TEST(Config, YamlSyntaxErrorHasALine) {
  auto p = problems("db:\n  dsn: x\nserver: [\n");
  ASSERT_FALSE(p.empty());
  EXPECT_GT(p[0].line, 0);
}

TEST(Config, DumpMasksSecrets) {
  auto c = load("db:\n  dsn: host=secret password=p\n");
  std::string d = c.dump();
  EXPECT_EQ(d.find("password=p"), std::string::npos);
  EXPECT_NE(d.find("port: 8080"), std::string::npos);
}

inline const DynamicKey<int> kTestLimit{"test.limit", 200};
inline const DynamicKey<bool> kTestFlag{"test.flag", false};

TEST(Config, CredentialsInsideUrlsAndDsnsAreMasked) {
  EXPECT_EQ(mask_credentials("smtp://mailer:s3cr3t@mail.example.com:587"), "smtp://mailer:******@mail.example.com:587");
  EXPECT_EQ(mask_credentials("https://api.vendor.cn/v1?x=1"), "https://api.vendor.cn/v1?x=1") << "nothing to hide";
  EXPECT_EQ(mask_credentials("redis://:pw@127.0.0.1:6379/0"), "redis://:******@127.0.0.1:6379/0");
  EXPECT_EQ(mask_credentials("host=db user=zt password=hunter2 dbname=zt"), "host=db user=zt password=****** dbname=zt");
  EXPECT_EQ(mask_credentials("a: http://u:p@h/x\nb: http://v:q@k/y"), "a: http://u:******@h/x\nb: http://v:******@k/y");
  EXPECT_EQ(mask_credentials("mailto:user@example.com"), "mailto:user@example.com") << "an address is not a credential";
  EXPECT_EQ(mask_credentials("host=db PASSWORD = 'a b c' user=zt"), "host=db PASSWORD = ****** user=zt");
  EXPECT_EQ(mask_credentials("password_memory_kib: 19456"), "password_memory_kib: 19456") << "a setting's name is no credential";
  EXPECT_EQ(mask_credentials("smtp:\n  password: hunter2\n"), "smtp:\n  password: ******\n");
}

TEST(DynamicSettings, SnapshotReadsDefaultsUpdatesAndCallbacks) {
  auto& s = DynamicSettings::global();
  s.apply({});
  EXPECT_EQ(kTestLimit.get(), 200);
  int calls = 0;
  auto id = s.subscribe("test.limit", [&](const DynamicSettings::Snapshot&) { ++calls; });
  s.apply({{"test.limit", {"300", "f", 1}}});
  EXPECT_EQ(kTestLimit.get(), 300);
  EXPECT_EQ(calls, 1);
  s.apply({{"test.limit", {"300", "f", 1}}, {"test.flag", {"true", "f", 2}}});
  EXPECT_EQ(calls, 1) << "unchanged value fires no callback";
  EXPECT_TRUE(kTestFlag.get());
  s.unsubscribe(id);
  s.apply({});
  EXPECT_EQ(kTestLimit.get(), 200);
}

TEST(DynamicSettings, RefusesUnknownKeysAndWrongTypesAtomically) {
  auto& s = DynamicSettings::global();
  s.apply({{"test.limit", {"5", "f", 1}}});
  EXPECT_THROW(s.apply({{"test.limit", {"6", "f", 1}}, {"test.nosuch", {"1", "f", 2}}}), ConfigError);
  EXPECT_EQ(kTestLimit.get(), 5) << "a refused update changes nothing";
  try {
    s.apply({{"test.limit", {"many", "f.yaml", 9}}});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().at(0).path, "dynamic.test.limit");
    EXPECT_EQ(e.problems().at(0).line, 9);
  }
  s.apply({});
}

}  // namespace
}  // namespace zt::core::config
