#include "platform/observer/app/alerting.hpp"

#include <gtest/gtest.h>

#include "core/util/error.hpp"

namespace zt::platform::observer {
namespace {

// A webhook is tried again while sending again can change the answer, with a growing wait, and
// given up after kWebhookAttempts; a 2xx is sent, a refusal of what was sent is final.
TEST(AlertDelivery, AWebhookIsTriedAgainOnlyWhileAnotherTryCanChangeTheAnswer) {
  EXPECT_EQ(webhook_outcome(200, 1).status, "sent");
  EXPECT_EQ(webhook_outcome(204, 8).status, "sent");
  for (int refused : {400, 401, 403, 404, 410, 422}) {
    const auto out = webhook_outcome(refused, 1);
    EXPECT_EQ(out.status, "failed") << refused;
    EXPECT_EQ(out.detail, "HTTP " + std::to_string(refused));
    EXPECT_EQ(out.retry_in_ms, 0) << refused;
  }
  for (int again : {0, 408, 429, 500, 502, 503}) {
    const auto out = webhook_outcome(again, 1);
    EXPECT_EQ(out.status, "pending") << again;
    EXPECT_EQ(out.retry_in_ms, 10'000) << again;
  }
  EXPECT_EQ(webhook_outcome(503, 3).retry_in_ms, 40'000) << "doubling";
  EXPECT_EQ(webhook_outcome(503, Alerting::kWebhookAttempts - 1).status, "pending");
  const auto last = webhook_outcome(503, Alerting::kWebhookAttempts);
  EXPECT_EQ(last.status, "failed") << "given up after the last try";
  EXPECT_EQ(last.retry_in_ms, 0);
  EXPECT_EQ(delivery_backoff_ms(1), 10'000);
  EXPECT_EQ(delivery_backoff_ms(7), 600'000) << "at most 10 minutes";
  EXPECT_EQ(delivery_backoff_ms(60), 600'000);
}

// A message notify gave no verdict on: one that never left this process is tried again (and failed
// when it never could be); one that may have gone out is never sent again.
TEST(AlertDelivery, AMessageThatMayHaveGoneOutIsNeverSentAgain) {
  for (const char* never_left : {core::codes::kUnavailable, core::codes::kOverloaded}) {
    const auto out = unanswered_message_outcome(0, never_left, 1);
    EXPECT_EQ(out.status, "pending") << never_left;
    EXPECT_EQ(out.retry_in_ms, 10'000);
    EXPECT_EQ(unanswered_message_outcome(0, never_left, Alerting::kWebhookAttempts).status, "failed") << never_left;
  }
  for (const auto& [status, code] : std::vector<std::pair<int, const char*>>{
           {0, "UPSTREAM_ERROR"}, {503, core::codes::kUnavailable}, {504, "DEADLINE_EXCEEDED"}, {500, "NOTIFY_X"}}) {
    const auto out = unanswered_message_outcome(status, code, 1);
    EXPECT_EQ(out.status, "unknown") << status << " " << code;
    EXPECT_EQ(out.retry_in_ms, 0);
    EXPECT_NE(out.detail.find(code), std::string::npos);
  }
  // Notify had no mail server to send through: nothing went out, and trying again will not help.
  const auto no_mail = unanswered_message_outcome(503, "NOTIFY_EMAIL_UNAVAILABLE", 1);
  EXPECT_EQ(no_mail.status, "failed");
  EXPECT_EQ(no_mail.retry_in_ms, 0);
  EXPECT_EQ(no_mail.detail, "通知服务未配置邮件服务器，未发出");
}

}  // namespace
}  // namespace zt::platform::observer
