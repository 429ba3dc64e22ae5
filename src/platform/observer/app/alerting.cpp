#include "platform/observer/app/alerting.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/discovery/service_client.hpp"
#include "core/http/client.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/util/digest.hpp"
#include "core/util/error.hpp"
#include "core/util/hex.hpp"
#include "core/util/time.hpp"
#include "platform/notify/client/notify_client.hpp"
#include "platform/observer/store/alert_store.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/resource_store.hpp"

namespace zt::platform::observer {

namespace {

using core::observe::SeriesScope;

// The config center's public/zhongtai/observer.yaml, followed by every process (discovery's
// extra_config "observer.yaml=observer.alert_rules"); checked whole before it applies, so the
// last good rules stay when a published one is wrong (the config center refuses it first).
const core::config::DynamicKey<std::string> kAlertRules{"observer.alert_rules", "",
                                                        [](const std::string& text) -> std::optional<std::string> {
                                                          try {
                                                            parse_alert_document(text);
                                                            return std::nullopt;
                                                          } catch (const std::invalid_argument& e) {
                                                            return std::string(e.what());
                                                          }
                                                        }};

std::string new_event_id() {
  std::array<std::uint8_t, 12> b{};
  RAND_bytes(b.data(), static_cast<int>(b.size()));
  return "alert-" + core::to_hex(b);
}

}  // namespace

AlertDocument alert_rules_in_force() {
  try {
    return alert_document_of(kAlertRules.get());
  } catch (const std::invalid_argument&) {
    return shipped_alert_document();  // never applied: the validator refuses it first
  }
}

std::int64_t delivery_backoff_ms(std::int64_t attempts) {
  return std::min<std::int64_t>(10'000LL << std::clamp<std::int64_t>(attempts - 1, 0, 10), 600'000);
}

DeliveryOutcome webhook_outcome(int answered, std::int64_t attempt) {
  if (answered >= 200 && answered < 300) return {"sent", fmt::format("HTTP {}", answered), 0};
  // A refusal that sending again cannot change (but a 408 or a 429 can), or the last try.
  const bool final = (answered >= 400 && answered < 500 && answered != 408 && answered != 429) ||
                     attempt >= Alerting::kWebhookAttempts;
  return {final ? "failed" : "pending", answered ? fmt::format("HTTP {}", answered) : "未送达",
          final ? 0 : delivery_backoff_ms(attempt)};
}

DeliveryOutcome unanswered_message_outcome(int status, std::string_view code, std::int64_t attempt) {
  // Never left this process (no notify instance, or its bulkhead full): sent later, and failed
  // when it never could be. Otherwise it may have gone out: never sent twice.
  const bool never_left = status == 0 && (code == core::codes::kUnavailable || code == core::codes::kOverloaded);
  if (never_left && attempt < Alerting::kWebhookAttempts)
    return {"pending", "通知服务暂不可用，稍后重试", delivery_backoff_ms(attempt)};
  if (never_left) return {"failed", "通知服务一直不可用，未发出", 0};
  // Notify answers this when it has no mail server to send through: it sent nothing, and sending
  // again will not help until operators set one (smtp_url).
  if (code == "NOTIFY_EMAIL_UNAVAILABLE") return {"failed", "通知服务未配置邮件服务器，未发出", 0};
  return {"unknown", "结果未知（可能已发出，不再重发）：" + std::string(code), 0};
}

bool webhook_allowed(const WebhookUrl& url, const std::vector<std::string>& hosts) {
  const std::string with_port = url.host + ":" + std::to_string(url.port);
  return std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) { return h == url.host || h == with_port; });
}

struct Alerting::Impl {
  core::storage::Database& db;
  notify::NotifyClient notify;
  core::http::HttpClient webhooks{core::http::ClientOptions{.connect_timeout = std::chrono::milliseconds(2000),
                                                            .request_timeout = std::chrono::milliseconds(5000),
                                                            .max_response_bytes = 64 * 1024}};
  std::string holder;
  AlertSettings settings;
  core::workflow::Leases leases{"observer_leases"};
  core::net::Periodic job{"observer: alerts"};
  std::int64_t rounds = 0;
  std::atomic<bool> holding{false};
  std::chrono::steady_clock::time_point renewed{};  // when this observer last took or renewed the lease
  core::observe::Registry& metrics;
  core::observe::Counter* judged = nullptr;

  Impl(core::storage::Database& d, core::discovery::ServiceClient& services, std::string h, AlertSettings s,
       core::observe::Registry& m)
      : db(d), notify(services, "observer"), holder(std::move(h)), settings(s), metrics(m) {
    judged = &m.counter("zt_observer_alert_minutes_total", "Minutes the alert rules judged");
  }

  // The lease, held from step to step: taken (or renewed) when `always`, else only once a third of
  // its time has passed since it last was. False when another observer holds it.
  boost::asio::awaitable<bool> keep_lease(bool always) {
    const auto ttl = std::max<std::chrono::milliseconds>(3 * settings.interval, std::chrono::seconds(30));
    if (!always && std::chrono::steady_clock::now() - renewed < ttl / 3) co_return true;
    const auto now = core::unix_millis();
    const bool mine =
        co_await db.write([&](core::storage::Tx& tx) { return leases.take(tx, "alerts", holder, now, ttl.count()); });
    if (mine) renewed = std::chrono::steady_clock::now();
    co_return mine;
  }

  void count_notice(std::string_view kind) {
    metrics.counter("zt_observer_alert_notices_total", "Alert notices given", {{"kind", std::string(kind)}}).inc();
  }
  void count_delivery(const std::string& type, const std::string& status) {
    metrics
        .counter("zt_observer_alert_deliveries_total", "Alert notices delivered, by channel type and outcome",
                 {{"type", type}, {"result", status}})
        .inc();
  }
};

Alerting::Alerting(core::storage::Database& db, core::discovery::ServiceClient& services, std::string holder,
                   AlertSettings settings, core::observe::Registry& metrics)
    : impl_(std::make_unique<Impl>(db, services, std::move(holder), settings, metrics)) {}

Alerting::~Alerting() = default;

void Alerting::start(core::net::IoRuntime& runtime) {
  impl_->job.trace_as("observer", "alerts");
  impl_->job.start(runtime, impl_->settings.interval, core::net::Periodic::First::kAfterPeriod,
                   [this]() -> boost::asio::awaitable<void> { co_await step(); });
}

void Alerting::stop() {
  impl_->job.stop();
  // Another observer goes on at once, instead of after the lease lapses (a step still running
  // finds it gone: its writes are conditional).
  if (impl_->holding.load()) {
    try {
      impl_->db.write_blocking([&](core::storage::Tx& tx) { impl_->leases.give_back(tx, "alerts", impl_->holder); });
    } catch (const std::exception& e) {
      core::log::warn("observer: could not give back the alerts lease (it lapses by itself): {}", e.what());
    }
  }
}

boost::asio::awaitable<void> Alerting::step() {
  auto& s = *impl_;
  const auto now = core::unix_millis();
  const bool mine = co_await s.keep_lease(true);
  const bool held = s.holding.exchange(mine);
  if (mine && !held) core::log::info("observer: this observer judges the alert rules now");
  if (!mine && held) core::log::info("observer: another observer judges the alert rules now");
  if (!mine) co_return;
  co_await judge(now);
  co_await deliver(now);
  if (s.rounds++ % 30 == 0) co_await sweep(now);
}

boost::asio::awaitable<void> Alerting::judge(std::int64_t now_ms) {
  auto& s = *impl_;
  // The last minute every observer has stored.
  const std::int64_t settled = (now_ms - s.settings.settle.count()) / 60'000 - 1;
  auto stored = co_await s.db.read([&](core::storage::Tx& tx) { return AlertStore::judgement(tx); });
  const std::int64_t expected = stored ? stored->last_minute : -1;
  // The first judgement starts now, not from the history.
  std::int64_t from = stored ? stored->last_minute + 1 : settled;
  if (from > settled) co_return;
  if (settled - from + 1 > kMostMinutesCaughtUp) {
    core::log::warn("observer: alerts were not judged for {} minutes; judging the last {} only", settled - from + 1,
                    kMostMinutesCaughtUp);
    from = settled - kMostMinutesCaughtUp + 1;
  }

  // The evaluator as it was, then under the rules in force (what fired under a rule that changed
  // or went ends).
  AlertEvaluator evaluator(s.settings.apdex_threshold_micros);
  AlertDocument before;
  if (stored) {
    before = stored->rules;
    try {
      evaluator.set_rules(before.rules);
      evaluator.restore(stored->last_minute, stored->states);
    } catch (const std::invalid_argument&) {
      before = {};
    }
  }
  const AlertDocument doc = alert_rules_in_force();
  // Each notice with its rule and the channels it goes to (name, type, address).
  struct Notice {
    AlertRule rule;
    AlertNotice notice;
    std::vector<AlertChannel> to;
  };
  std::vector<Notice> notices;
  const auto rule_of = [](const std::vector<AlertRule>& rules, const std::string& id) -> const AlertRule* {
    for (const auto& r : rules)
      if (r.id == id) return &r;
    return nullptr;
  };
  const auto channels_of = [](const AlertRule& r, const AlertDocument& d) {
    std::vector<AlertChannel> out;
    for (const auto& name : r.channels)
      for (const auto& c : d.channels)
        if (c.name == name) out.push_back(c);
    return out;
  };
  // What fired under a rule that changed or went ends, said to whom heard it fire (the rule and
  // channels as they were).
  for (auto& n : evaluator.set_rules(doc.rules)) {
    const AlertRule* old = rule_of(before.rules, n.rule_id);
    AlertRule r = old ? *old : AlertRule{};
    if (r.id.empty()) r.id = n.rule_id;
    notices.push_back(Notice{r, n, old ? channels_of(*old, before) : std::vector<AlertChannel>{}});
  }

  // Each minute's series of every scope, merged across the observers' parts.
  // And each instance's resources, when a rule judges them.
  const bool on_resources =
      std::any_of(doc.rules.begin(), doc.rules.end(), [](const AlertRule& r) { return resource_metric(r.metric); });
  std::map<std::int64_t, MinuteResources> resources;
  const auto minutes = co_await s.db.read([&](core::storage::Tx& tx) {
    Minutes all;
    for (const auto scope : {SeriesScope::kService, SeriesScope::kInstance, SeriesScope::kEndpoint, SeriesScope::kEdge})
      merge_into(all, MetricStore::read(tx, scope, std::nullopt, from, settled + 1));
    if (on_resources) {
      const auto rows = ResourceStore::read_all(tx, from, settled + 1, kMostResourceRows);
      if (static_cast<std::int64_t>(rows.size()) >= kMostResourceRows)
        core::log::warn("observer: over {} instance resource rows in the minutes judged; the oldest were left out",
                        kMostResourceRows);
      resources = resources_by_minute(rows);
    }
    return all;
  });
  std::size_t stale = 0;
  for (std::int64_t m = from; m <= settled; ++m) {
    const auto it = minutes.find(m);
    const auto at = resources.find(m);
    static const core::observe::MinuteSeries kNone;
    static const MinuteResources kNoResources;
    for (auto& n : evaluator.judge(m, it == minutes.end() ? kNone : it->second,
                                   at == resources.end() ? kNoResources : at->second)) {
      // Catching up after a pause: what minutes long past said is judged (the states go on) but
      // not sent — nobody is paged for an incident that is over.
      if (m < settled - kMostMinutesNoticed) {
        ++stale;
        continue;
      }
      if (const AlertRule* r = rule_of(doc.rules, n.rule_id)) notices.push_back(Notice{*r, n, channels_of(*r, doc)});
    }
  }
  if (stale > 0) core::log::warn("observer: {} alert notices of minutes long past were not sent", stale);

  std::vector<AlertEvent> events;
  for (const auto& [rule, n, to] : notices) {
    AlertEvent e;
    e.id = new_event_id();
    e.rule_id = n.rule_id;
    e.title = rule.title.empty() ? n.rule_id : rule.title;
    e.kind = notice_kind_name(n.kind);
    e.scope = scope_name(n.entity.scope);
    e.service = n.entity.service;
    e.name = n.entity.name;
    e.metric = alert_metric_name(rule.metric);
    e.comparison = rule.comparison == AlertComparison::kAbove ? "above" : "below";
    e.threshold = rule.threshold;
    e.minute = n.minute;
    e.value = n.value;
    e.breaches = n.breaches;
    e.calls = static_cast<std::int64_t>(n.calls);
    AlertRule titled = rule;
    titled.title = e.title;
    e.text = notice_text(titled, n);
    e.created_at_ms = now_ms;
    for (const auto& c : to)
      e.deliveries.push_back(AlertDelivery{e.id, c.name, c.type, c.to, "pending", 0, "", now_ms, now_ms});
    events.push_back(std::move(e));
  }
  Judgement next{evaluator.last_minute(), doc, evaluator.states()};
  const bool stored_now = co_await s.db.write([&](core::storage::Tx& tx) {
    if (!AlertStore::replace_judgement(tx, expected, next, now_ms)) return false;
    for (const auto& e : events) AlertStore::add_event(tx, e);
    return true;
  });
  if (!stored_now) {
    core::log::info("observer: another observer judged these minutes meanwhile; its notices stand");
    co_return;
  }
  s.judged->inc(static_cast<std::uint64_t>(settled - from + 1));
  for (const auto& e : events) {
    s.count_notice(e.kind);
    core::log::warn("observer: alert {} {} ({} channels)", e.kind, e.text, e.deliveries.size());
  }
}

boost::asio::awaitable<void> Alerting::deliver(std::int64_t now_ms) {
  auto& s = *impl_;
  // What an observer left sending when it went (a minute is far longer than any send).
  co_await s.db.write([&](core::storage::Tx& tx) { return AlertStore::settle_abandoned(tx, now_ms - 60'000, now_ms); });
  const auto due = co_await s.db.read([&](core::storage::Tx& tx) { return AlertStore::due(tx, now_ms, 50); });
  // A round's sends fit in its budget (a receiver that never answers holds one send, not the
  // judging of the minutes), and each goes out under a lease this observer still holds.
  const auto until = std::chrono::steady_clock::now() + kDeliveryBudget;
  for (const auto& e : due) {
    if (s.job.stopping() || std::chrono::steady_clock::now() >= until) break;
    if (!co_await s.keep_lease(false)) break;
    const AlertDelivery& d = e.deliveries.front();
    const bool claimed = co_await s.db.write([&](core::storage::Tx& tx) {
      return AlertStore::claim(tx, d.event_id, d.channel, d.attempts, core::unix_millis());
    });
    if (!claimed) continue;
    const std::int64_t attempt = d.attempts + 1;
    DeliveryOutcome out;
    if (d.type == "webhook")
      out = co_await send_webhook(e, d, attempt);
    else
      out = co_await send_message(e, d, attempt);
    const std::int64_t next_at = out.retry_in_ms ? core::unix_millis() + out.retry_in_ms : 0;
    co_await s.db.write([&](core::storage::Tx& tx) {
      AlertStore::finish(tx, d.event_id, d.channel, out.status, out.detail, next_at, core::unix_millis());
    });
    s.count_delivery(d.type, out.status);
    if (out.status != "sent")
      core::log::warn("observer: alert {} to channel {} ({}): {} {}", e.id, d.channel, d.type, out.status, out.detail);
  }
}

// A webhook: the notice as JSON, signed when a secret is set, only to a host the operators allow.
boost::asio::awaitable<DeliveryOutcome> Alerting::send_webhook(const AlertEvent& e, const AlertDelivery& d,
                                                               std::int64_t attempt) {
  auto& s = *impl_;
  const auto target = parse_webhook_url(d.target);
  if (!target) co_return DeliveryOutcome{"failed", "地址无效", 0};
  if (!webhook_allowed(*target, s.settings.webhook_hosts))
    co_return DeliveryOutcome{"failed", "该地址不在允许的 Webhook 主机之内（observer.alert_webhook_hosts）", 0};
  core::http::Request req;
  req.method = core::http::Method::kPost;
  req.target = target->path;
  req.headers.set("host", target->host_header);
  req.headers.set("content-type", "application/json");
  req.headers.set("x-zt-alert-id", e.id);
  req.body = boost::json::serialize(alert_event_json(e));
  // The receiver checks it came from us: HMAC-SHA256 of the body with the shared secret.
  if (!s.settings.webhook_secret.empty())
    req.headers.set("x-zt-signature", "sha256=" + core::hmac_sha256_hex(s.settings.webhook_secret, req.body));
  const core::http::Upstream upstream{target->host, target->port};
  int answered = 0;
  std::string failure;
  try {
    const auto res = co_await s.webhooks.send(upstream, std::move(req));
    answered = res.status;
  } catch (const std::exception& ex) {
    failure = std::string("未送达：") + ex.what();
  }
  DeliveryOutcome out = webhook_outcome(answered, attempt);
  if (!failure.empty()) out.detail = failure;
  co_return out;
}

// E-mail or SMS through notify (its template "alert").
boost::asio::awaitable<DeliveryOutcome> Alerting::send_message(const AlertEvent& e, const AlertDelivery& d,
                                                               std::int64_t attempt) {
  const notify::SendMessage message{d.type, d.target, "alert", std::map<std::string, std::string>{{"text", e.text}}};
  const auto outcome = co_await impl_->notify.send(message, nullptr);
  if (const auto* sent = std::get_if<notify::MessageSent>(&outcome)) co_return DeliveryOutcome{"sent", sent->id, 0};
  if (const auto* no = std::get_if<core::Refusal>(&outcome))
    co_return DeliveryOutcome{"failed", no->code + " " + no->message, 0};
  const auto& unknown = std::get<core::discovery::Unknown>(outcome);
  co_return unanswered_message_outcome(unknown.status, unknown.code, attempt);
}

boost::asio::awaitable<void> Alerting::sweep(std::int64_t now_ms) {
  auto& s = *impl_;
  const std::int64_t before = now_ms - s.settings.history_retention.count();
  std::int64_t n = 0;
  do {
    n = co_await s.db.write([&](core::storage::Tx& tx) { return AlertStore::purge_before(tx, before, 1000); });
  } while (n == 1000 && !s.job.stopping());
}

}  // namespace zt::platform::observer
