#include "platform/observer/store/alert_store.hpp"

#include <boost/json.hpp>
#include <map>

namespace zt::platform::observer {

namespace {

using core::storage::Param;
using core::storage::Row;

constexpr const char* kEventColumns =
    "e.id, e.rule_id, e.title, e.kind, e.scope, e.service, e.name, e.metric, e.comparison, e.threshold, e.minute, "
    "e.value, e.breaches, e.calls, e.text, e.created_at_ms";
constexpr const char* kDeliveryColumns =
    "d.event_id, d.channel, d.type, d.target, d.status, d.attempts, d.detail, d.next_at_ms, d.updated_at_ms";

AlertEvent event_of(const Row& r) {
  return AlertEvent{r.string(0), r.string(1), r.string(2),  r.string(3), r.string(4), r.string(5),
                    r.string(6), r.string(7), r.string(8),  r.real(9),   r.int64(10), r.real(11),
                    r.int64(12), r.int64(13), r.string(14), r.int64(15), {}};
}

AlertDelivery delivery_of(const Row& r, std::size_t at) {
  return AlertDelivery{r.string(at),    r.string(at + 1), r.string(at + 2), r.string(at + 3), r.string(at + 4),
                       r.int64(at + 5), r.string(at + 6), r.int64(at + 7),  r.int64(at + 8)};
}

std::string states_json(const std::vector<AlertState>& states) {
  boost::json::array out;
  for (const auto& s : states) {
    boost::json::array breached;
    for (auto m : s.breached) breached.emplace_back(m);
    out.push_back(boost::json::object{{"rule", s.rule_id},
                                      {"scope", scope_name(s.entity.scope)},
                                      {"service", s.entity.service},
                                      {"name", s.entity.name},
                                      {"breached", std::move(breached)},
                                      {"quiet", s.quiet},
                                      {"last_seen", s.last_seen},
                                      {"firing", s.firing},
                                      {"notified_at", s.notified_at}});
  }
  return boost::json::serialize(out);
}

// What this code wrote; anything else (a hand edit gone wrong) is left out rather than trusted.
std::vector<AlertState> states_from(const std::string& text) {
  std::vector<AlertState> out;
  boost::system::error_code ec;
  const auto v = boost::json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& item : v.as_array()) {
    try {
      const auto& o = item.as_object();
      AlertState s;
      s.rule_id = o.at("rule").as_string();
      const auto scope = scope_of(o.at("scope").as_string());
      if (!scope) continue;
      s.entity = {*scope, std::string(o.at("service").as_string()), std::string(o.at("name").as_string())};
      for (const auto& m : o.at("breached").as_array()) s.breached.push_back(m.as_int64());
      s.quiet = static_cast<int>(o.at("quiet").as_int64());
      s.last_seen = o.at("last_seen").as_int64();
      s.firing = o.at("firing").as_bool();
      s.notified_at = o.at("notified_at").as_int64();
      out.push_back(std::move(s));
    } catch (const std::exception&) {
      continue;
    }
  }
  return out;
}

}  // namespace

boost::json::object alert_event_json(const AlertEvent& e) {
  return {{"id", e.id},
          {"rule_id", e.rule_id},
          {"title", e.title},
          {"kind", e.kind},
          {"scope", e.scope},
          {"service", e.service},
          {"name", e.name},
          {"metric", e.metric},
          {"comparison", e.comparison},
          {"threshold", e.threshold},
          {"minute_ms", e.minute * 60'000},
          {"value", e.value},
          {"breaches", e.breaches},
          {"calls", e.calls},
          {"text", e.text},
          {"created_at_ms", e.created_at_ms}};
}

std::optional<Judgement> AlertStore::judgement(core::storage::Tx& tx) {
  const auto rows = tx.query("SELECT last_minute, rules, states FROM observer_alert_judge WHERE id = 1");
  if (rows.empty()) return std::nullopt;
  Judgement j;
  j.last_minute = rows.at(0).int64(0);
  try {
    j.rules = parse_alert_document(rows.at(0).string(1));
  } catch (const std::exception&) {
    j.rules = {};  // judged afresh under the rules in force
  }
  j.states = states_from(rows.at(0).string(2));
  return j;
}

bool AlertStore::replace_judgement(core::storage::Tx& tx, std::int64_t expected, const Judgement& next,
                                   std::int64_t now_ms) {
  const std::string rules = boost::json::serialize(alert_document_json(next.rules)), states = states_json(next.states);
  if (expected < 0)
    return tx.exec(
               "INSERT INTO observer_alert_judge (id, last_minute, rules, states, updated_at_ms) VALUES (1, ?, ?, ?, "
               "?) "
               "ON CONFLICT (id) DO NOTHING",
               {next.last_minute, rules, states, now_ms}) == 1;
  return tx.exec(
             "UPDATE observer_alert_judge SET last_minute = ?, rules = ?, states = ?, updated_at_ms = ? "
             "WHERE id = 1 AND last_minute = ?",
             {next.last_minute, rules, states, now_ms, expected}) == 1;
}

void AlertStore::add_event(core::storage::Tx& tx, const AlertEvent& e) {
  tx.defer(
      "INSERT INTO observer_alert_events (id, rule_id, title, kind, scope, service, name, metric, comparison, "
      "threshold, minute, value, breaches, calls, text, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?)",
      {e.id, e.rule_id, e.title, e.kind, e.scope, e.service, e.name, e.metric, e.comparison, e.threshold, e.minute,
       e.value, e.breaches, e.calls, e.text, e.created_at_ms});
  for (const auto& d : e.deliveries)
    tx.defer(
        "INSERT INTO observer_alert_deliveries (event_id, channel, type, target, status, attempts, detail, next_at_ms, "
        "updated_at_ms) VALUES (?, ?, ?, ?, 'pending', 0, '', ?, ?)",
        {e.id, d.channel, d.type, d.target, d.next_at_ms, e.created_at_ms});
}

std::vector<AlertEvent> AlertStore::events(core::storage::Tx& tx, const AlertFilter& f) {
  std::string sql = std::string("SELECT ") + kEventColumns +
                    " FROM observer_alert_events e WHERE e.created_at_ms >= ? AND e.created_at_ms < ?";
  core::storage::Params params{f.from_ms, f.to_ms};
  if (f.rule_id) {
    sql += " AND e.rule_id = ?";
    params.emplace_back(*f.rule_id);
  }
  if (f.kind) {
    sql += " AND e.kind = ?";
    params.emplace_back(*f.kind);
  }
  sql += " ORDER BY e.created_at_ms DESC, e.id DESC LIMIT ?";
  params.emplace_back(f.limit);
  std::vector<AlertEvent> out;
  std::map<std::string, std::size_t> at;
  for (const auto& r : tx.query(sql, params)) {
    at[r.string(0)] = out.size();
    out.push_back(event_of(r));
  }
  if (out.empty()) return out;
  std::string in;
  core::storage::Params ids;
  for (const auto& e : out) {
    in += in.empty() ? "?" : ", ?";
    ids.emplace_back(e.id);
  }
  for (const auto& r :
       tx.query(std::string("SELECT ") + kDeliveryColumns + " FROM observer_alert_deliveries d WHERE d.event_id IN (" +
                    in + ") ORDER BY d.channel",
                ids))
    out[at.at(r.string(0))].deliveries.push_back(delivery_of(r, 0));
  return out;
}

std::vector<AlertEvent> AlertStore::due(core::storage::Tx& tx, std::int64_t now_ms, std::int64_t limit) {
  std::vector<AlertEvent> out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kEventColumns + ", " + kDeliveryColumns +
                    " FROM observer_alert_deliveries d JOIN observer_alert_events e ON e.id = d.event_id "
                    "WHERE d.status = 'pending' AND d.next_at_ms <= ? ORDER BY d.next_at_ms, e.created_at_ms "
                    "LIMIT ?",
                {now_ms, limit})) {
    out.push_back(event_of(r));
    out.back().deliveries.push_back(delivery_of(r, 16));
  }
  return out;
}

bool AlertStore::claim(core::storage::Tx& tx, const std::string& event_id, const std::string& channel,
                       std::int64_t attempts, std::int64_t now_ms) {
  return tx.exec(
             "UPDATE observer_alert_deliveries SET status = 'sending', attempts = attempts + 1, updated_at_ms = ? "
             "WHERE event_id = ? AND channel = ? AND status = 'pending' AND attempts = ? AND next_at_ms <= ?",
             {now_ms, event_id, channel, attempts, now_ms}) == 1;
}

void AlertStore::finish(core::storage::Tx& tx, const std::string& event_id, const std::string& channel,
                        const std::string& status, const std::string& detail, std::int64_t next_at_ms,
                        std::int64_t now_ms) {
  tx.exec(
      "UPDATE observer_alert_deliveries SET status = ?, detail = ?, next_at_ms = ?, updated_at_ms = ? "
      "WHERE event_id = ? AND channel = ? AND status = 'sending'",
      {status, detail, next_at_ms, now_ms, event_id, channel});
}

std::int64_t AlertStore::settle_abandoned(core::storage::Tx& tx, std::int64_t before_ms, std::int64_t now_ms) {
  const auto retried = tx.exec(
      "UPDATE observer_alert_deliveries SET status = 'pending', detail = '发送中断，重试', next_at_ms = ?, "
      "updated_at_ms = ? WHERE status = 'sending' AND updated_at_ms < ? AND type = 'webhook'",
      {now_ms, now_ms, before_ms});
  const auto unknown = tx.exec(
      "UPDATE observer_alert_deliveries SET status = 'unknown', detail = '发送中断，结果未知（不再重发）', "
      "updated_at_ms = ? WHERE status = 'sending' AND updated_at_ms < ? AND type <> 'webhook'",
      {now_ms, before_ms});
  return retried + unknown;
}

std::int64_t AlertStore::purge_before(core::storage::Tx& tx, std::int64_t before_ms, std::int64_t limit) {
  const auto rows =
      tx.query("SELECT id FROM observer_alert_events WHERE created_at_ms < ? ORDER BY created_at_ms LIMIT ?",
               {before_ms, limit});
  if (rows.empty()) return 0;
  std::string in;
  core::storage::Params ids;
  for (const auto& r : rows) {
    in += in.empty() ? "?" : ", ?";
    ids.emplace_back(r.string(0));
  }
  tx.exec("DELETE FROM observer_alert_deliveries WHERE event_id IN (" + in + ")", ids);
  return tx.exec("DELETE FROM observer_alert_events WHERE id IN (" + in + ")", ids);
}

}  // namespace zt::platform::observer
