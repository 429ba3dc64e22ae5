// The notify outbox on both SQL backends, and the template and recipient rules.
#include "platform/notify/outbox.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

std::span<const zt::core::EmbeddedFile> zt_notify_migrations();

namespace zt::platform::notify {
namespace {

TEST(NotifyTemplates, RenderOnlyWithTheirExactParameters) {
  SendError e;
  EXPECT_EQ(*render("login_code", {{"code", "042917"}}, e), "【中台证券】您的验证码为042917，5分钟内有效。如非本人操作，请忽略本短信。");
  EXPECT_FALSE(render("welcome", {}, e));
  EXPECT_EQ(e.code, "NOTIFY_UNKNOWN_TEMPLATE");
  EXPECT_FALSE(render("login_code", {}, e));
  EXPECT_EQ(e.message, "缺少模板参数 code");
  EXPECT_FALSE(render("login_code", {{"code", "12ab56"}}, e));
  EXPECT_EQ(e.message, "验证码应为4到8位数字");
  EXPECT_FALSE(render("login_code", {{"code", "123"}}, e));
  EXPECT_FALSE(render("login_code", {{"code", "123456"}, {"name", "x"}}, e));
  EXPECT_EQ(e.code, "NOTIFY_BAD_PARAMS");
  std::string long_text;
  for (int i = 0; i < 301; ++i) long_text += "字";
  EXPECT_FALSE(render("notice", {{"text", long_text}}, e));
  EXPECT_EQ(*render("notice", {{"text", "您的定投计划已生效"}}, e), "【中台证券】您的定投计划已生效");
}

TEST(NotifyRecipients, AreCheckedPerChannelAndMasked) {
  SendError e;
  EXPECT_EQ(*normalise_recipient("sms", "13800138000", e), "13800138000");
  EXPECT_FALSE(normalise_recipient("sms", "12800138000", e));
  EXPECT_EQ(e.message, "手机号码格式不正确");
  EXPECT_FALSE(normalise_recipient("sms", "+8613800138000", e));
  EXPECT_EQ(*normalise_recipient("email", "Zhang.San@Example.com", e), "zhang.san@example.com");
  for (const char* bad : {"a@b", "@x.com", "a@@x.com", "a b@x.com", "a@x.com.", "noat"}) EXPECT_FALSE(normalise_recipient("email", bad, e)) << bad;
  EXPECT_FALSE(normalise_recipient("fax", "1", e));
  EXPECT_EQ(e.code, "NOTIFY_BAD_CHANNEL");
  EXPECT_EQ(mask_recipient("sms", "13800138000"), "138****8000");
  EXPECT_EQ(mask_recipient("email", "zhang@example.com"), "z***@example.com");
}

class OutboxBackends : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<core::storage::Database> open() {
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite") o.sqlite_path = dir_.path() + "/notify.db";
    else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = "notify" + std::to_string(::getpid());
    }
    o.pool_size = 2;
    auto db = core::storage::Database::open(o);
    core::storage::migrate(*db, zt_notify_migrations());
    return db;
  }
  test::TempDir dir_{"zt-notify"};
  core::crypto::KeyRing keys_ = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
};

TEST_P(OutboxBackends, KeepsMessagesSealedAndPagesNewestFirst) {
  auto db = open();
  Outbox outbox(keys_);
  db->write_blocking([&](core::storage::Tx& tx) {
    for (int i = 0; i < 5; ++i)
      outbox.store(tx, "sms", "13800138000", "login_code", "code " + std::to_string(i), "auth", 1000 + i);
    outbox.store(tx, "sms", "13900139000", "login_code", "other", "auth", 1003);
  });
  db->read_blocking([&](core::storage::Tx& tx) {
    auto first = outbox.list(tx, "sms", "13800138000", 2, "");
    ASSERT_EQ(first.items.size(), 2u);
    EXPECT_EQ(first.items[0].text, "code 4");
    EXPECT_EQ(first.items[1].text, "code 3");
    EXPECT_EQ(first.items[0].recipient, "138****8000");
    EXPECT_EQ(first.items[0].sender, "auth");
    ASSERT_TRUE(first.next_cursor);
    auto second = outbox.list(tx, "sms", "13800138000", 2, *first.next_cursor);
    ASSERT_EQ(second.items.size(), 2u);
    EXPECT_EQ(second.items[0].text, "code 2");
    auto last = outbox.list(tx, "sms", "13800138000", 2, *second.next_cursor);
    ASSERT_EQ(last.items.size(), 1u);
    EXPECT_FALSE(last.next_cursor);
    EXPECT_EQ(outbox.list(tx, "sms", "", 100, "").items.size(), 6u) << "everyone's";
    EXPECT_EQ(outbox.list(tx, "email", "13800138000", 100, "").items.size(), 0u) << "per channel";
    // The number is only ever stored sealed.
    auto raw = tx.query("SELECT recipient_sealed, recipient_hash, recipient_masked FROM notify_outbox");
    for (std::size_t i = 0; i < raw.size(); ++i) {
      for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(raw.at(i).string(c).find("13800138000"), std::string::npos);
      EXPECT_TRUE(keys_.open(raw.at(i).string(0), "notify_outbox.recipient").has_value());
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Sql, OutboxBackends, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace zt::platform::notify
