#include "platform/notify/notify_component.hpp"

#include <boost/describe.hpp>

#include "core/app/keys.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "platform/notify/client/notify_api.hpp"
#include "platform/notify/outbox.hpp"
#include "platform/notify/senders.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"

std::span<const zt::core::EmbeddedFile> zt_notify_migrations();
std::span<const zt::core::EmbeddedFile> zt_notify_openapi();

namespace zt::platform::notify {

BOOST_DESCRIBE_STRUCT(OutboxItem, (), (id, channel, recipient, template_id, text, sender, created_at_ms))
BOOST_DESCRIBE_STRUCT(OutboxPage, (), (items, next_cursor))

namespace {

const vendor_kit::SandboxFaults kFaults{"notify", "短信服务"};

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;

class NotifyComponent final : public core::Component {
 public:
  explicit NotifyComponent(core::ComponentContext& ctx)
      : db_(ctx.database()), outbox_(core::sealing_keys(ctx)), provider_(ctx.config().get_string("provider")) {
    const auto& c = ctx.config();
    // The sandbox keeps every code it "sends" in an outbox staff can read: never where customers
    // are real.
    if (provider_ == "sandbox" && !ctx.full_config().section("node").get_bool("sandbox"))
      throw std::runtime_error("notify.provider is sandbox but node.sandbox is off: customers' codes would stay in a readable outbox "
                               "instead of reaching their phones — set notify.provider: http (and notify.endpoint)");
    if (provider_ == "http")
      sms_ = std::make_unique<SmsSender>(vendor_kit::vendor_settings(c, "notify", "短信服务"), &ctx.metrics());
    // E-mail goes through the SMTP server when one is set; in the sandbox only staff's alert mail
    // does (customers' messages stay in the outbox).
    if (!c.get_string("smtp_url").empty())
      smtp_ = std::make_unique<SmtpSender>(SmtpSettings{c.get_string("smtp_url"), c.get_string("smtp_from"),
                                                        c.get_string("smtp_username"), c.get_string("smtp_password"),
                                                        c.get_duration("smtp_timeout")});
    sent_ = &ctx.metrics().counter("zt_notify_sent_total", "Messages handed to the provider", {{"provider", provider_}});
    refused_ = &ctx.metrics().counter("zt_notify_refused_total", "Send requests refused");
    auto& r = ctx.public_router();
    r.add(Method::kPost, "/api/notify/v1/messages",
          [this](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> { return send(req, c); });
    r.add(Method::kGet, "/api/notify/v1/outbox",
          [this](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> { return outbox(req, c); });
  }
  void start() override { core::log::info("notify: provider {}", provider_); }
  void stop() override {}

 private:
  boost::asio::awaitable<Response> send(Request& req, RequestContext& ctx) {
    // Only our services send: a message costs money and speaks in the broker's name.
    if (ctx.calling_service.empty()) {
      refused_->inc();
      throw ApiError(403, "NOTIFY_SERVICE_ONLY", "仅限内部服务调用");
    }
    auto body = core::json::parse<SendMessage>(req.body);
    SendError error;
    const auto recipient = normalise_recipient(body.channel, body.recipient, error);
    const auto text = recipient ? render(body.template_id, body.params.value_or(std::map<std::string, std::string>{}), error)
                                : std::nullopt;
    if (!recipient || !text) {
      refused_->inc();
      throw ApiError(400, error.code, error.message);
    }
    const std::string sender = ctx.calling_service;
    const std::string channel = body.channel, template_id = body.template_id;
    // The observer speaks to staff (alerts) and to nobody else; nobody else speaks as the alerts.
    if ((template_id == "alert") != (sender == "observer")) {
      refused_->inc();
      throw ApiError(403, "NOTIFY_TEMPLATE_FORBIDDEN", "该服务不能使用此消息模板");
    }
    // In the sandbox, staff's alert mail goes through the SMTP server when one is set (customers'
    // messages stay in the outbox).
    const bool by_smtp = provider_ == "sandbox" && channel == "email" && template_id == "alert" && smtp_;
    MessageSent answer{"", by_smtp ? "smtp" : provider_, mask_recipient(channel, *recipient)};
    if (provider_ == "sandbox" && !by_smtp) {
      if (auto fault = co_await kFaults.inject()) {
        refused_->inc();
        throw ApiError(fault->status, fault->code, fault->message);
      }
      OutboxItem item = co_await db_.write([&](core::storage::Tx& tx) {
        return outbox_.store(tx, channel, *recipient, template_id, *text, sender, core::unix_millis());
      });
      answer.id = item.id;
    } else {
      std::variant<std::string, core::Refusal> delivered;
      if (channel == "sms") {
        delivered = co_await sms_->send(*recipient, *text, &ctx);
      } else if (smtp_) {
        const std::string subject = template_id == "notice"  ? "中台证券通知"
                                    : template_id == "alert" ? "中台运维告警"
                                                             : "中台证券验证码";
        delivered = co_await smtp_->send(*recipient, subject, *text);
      } else {
        delivered = core::Refusal{503, "NOTIFY_EMAIL_UNAVAILABLE", "未配置邮件服务器，暂不能发送邮件"};
      }
      if (auto* r = std::get_if<core::Refusal>(&delivered)) {
        refused_->inc();
        ctx.log().warn("notify: {} {} to {} for {} not delivered: {}", channel, template_id, answer.recipient, sender, r->code);
        throw r->status >= 500 ? ApiError::upstream(r->status, r->code, r->message) : ApiError(r->status, r->code, r->message);
      }
      answer.id = std::get<std::string>(delivered);
    }
    sent_->inc();
    // Never the text (it carries codes) nor the full recipient.
    ctx.log().info("notify: {} {} to {} for {} ({})", channel, template_id, answer.recipient, sender, answer.id);
    co_return Response::json(200, core::json::serialize(answer));
  }

  boost::asio::awaitable<Response> outbox(Request& req, RequestContext&) {
    if (provider_ != "sandbox") throw ApiError(404, "NOTIFY_NO_OUTBOX", "仅模拟环境提供发件箱");
    const std::string channel = req.query_param("channel").value_or("sms");
    std::string recipient = req.query_param("recipient").value_or("");
    if (!recipient.empty()) {
      SendError error;
      auto normal = normalise_recipient(channel, recipient, error);
      if (!normal) throw ApiError(400, error.code, error.message);
      recipient = *normal;
    }
    std::int64_t limit = 20;
    if (auto l = req.query_param("limit")) {
      try {
        limit = std::stoll(*l);
      } catch (...) {
        limit = 0;
      }
      if (limit < 1 || limit > 100) throw ApiError(400, "NOTIFY_BAD_PARAM", "limit 应为 1 到 100 之间的整数");
    }
    const std::string cursor = req.query_param("cursor").value_or("");
    if (!cursor.empty()) {
      const auto dot = cursor.find('.');
      const bool ok = dot != std::string::npos && dot > 0 && dot < 20 &&
                      std::all_of(cursor.begin(), cursor.begin() + static_cast<long>(dot), [](unsigned char c) { return std::isdigit(c); });
      if (!ok) throw ApiError(400, "NOTIFY_BAD_PARAM", "分页游标无效");
    }
    OutboxPage page = co_await db_.read([&](core::storage::Tx& tx) { return outbox_.list(tx, channel, recipient, limit, cursor); });
    co_return Response::json(200, core::json::serialize(page));
  }

  core::storage::Database& db_;
  Outbox outbox_;
  std::string provider_;
  std::unique_ptr<SmsSender> sms_;
  std::unique_ptr<SmtpSender> smtp_;
  core::observe::Counter* sent_ = nullptr;
  core::observe::Counter* refused_ = nullptr;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "notify";
  s.description = "notifications: SMS and e-mail through a provider (sandbox: a persisted outbox)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  // provider http: SMS through the SMS vendor (endpoint, app_key, … as every vendor), e-mail
  // through the SMTP server when smtp_url is set; sandbox: every message kept in the outbox, but
  // the observer's alert e-mail to staff, which goes through smtp_url when it is set.
  auto fields = vendor_kit::vendor_fields();
  fields.push_back(
      string("smtp_url", "").describe("smtp://host:port or smtps://host:port for e-mail (either provider)"));
  fields.push_back(string("smtp_from", "noreply@zhongtai.example").describe("sender address"));
  fields.push_back(string("smtp_username", ""));
  fields.push_back(string("smtp_password", ""));
  fields.push_back(duration("smtp_timeout", std::chrono::milliseconds(10000)).range(100, 120000));
  s.schema = {"notify", fields, "notifications: SMS and e-mail"};
  s.migrations = &zt_notify_migrations;
  s.openapi = &zt_notify_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<NotifyComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::notify
