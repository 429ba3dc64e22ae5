#include "services/mall/store/nav_correction_store.hpp"

#include <fmt/format.h>

#include "core/observe/trace.hpp"

namespace zt::services::mall {

namespace {

using core::storage::Null;
using core::storage::Param;
using core::storage::Row;
using core::storage::Tx;

constexpr const char* kColumns =
    "c.id, c.code, COALESCE(p.name, c.code), c.nav_date, c.old_units, c.new_units, c.reason, c.corrected_by, c.state, "
    "c.request, c.outcome, c.created_at_ms, c.trace_id, c.ip";
constexpr const char* kFrom = " FROM mall_nav_corrections c LEFT JOIN mall_products p ON p.code = c.code";

NavCorrectionRecord record_of(const Row& r) {
  NavCorrectionRecord c;
  c.id = r.string(0);
  c.code = r.string(1);
  c.product_name = r.string(2);
  c.date = r.string(3);
  c.from = Nav::from_units(r.int64(4));
  c.to = Nav::from_units(r.int64(5));
  c.reason = r.string(6);
  c.corrected_by = r.string(7);
  c.state = r.string(8);
  c.request = r.text(9);
  c.outcome = r.text(10);
  c.created_at_ms = r.int64(11);
  c.trace_id = r.string(12);
  c.ip = r.string(13);
  return c;
}

std::string change(const NavCorrectionRecord& c) {
  return fmt::format("{} 净值 {} 更正为 {}，原因：{}", c.date, c.from.to_string(), c.to.to_string(), c.reason);
}

}  // namespace

Result<NavCorrectionRecord> NavCorrectionStore::begin(Tx& tx, NavCorrectionRecord c, const Actor& who,
                                                      std::int64_t now_ms) const {
  if (c.from == c.to)
    return Refusal{409, "MALL_NAV_UNCHANGED", fmt::format("{} 在 {} 的净值已是 {}", c.code, c.date, c.to.to_string())};
  if (c.id.empty()) c.id = "NC" + core::observe::random_hex_id(8);
  c.state = c.request ? "sending" : "applied";
  c.corrected_by = who.id;
  c.created_at_ms = now_ms;
  c.trace_id = who.trace_id;
  c.ip = who.ip;
  // One conditional write: the value it replaces is still there and no other correction holds it.
  const bool taken =
      c.request ? tx.exec(
                      "UPDATE mall_navs SET correcting = ? WHERE code = ? AND nav_date = ? AND nav_units = ? AND "
                      "correcting IS NULL",
                      {c.id, c.code, c.date, c.from.units()}) > 0
                : tx.exec(
                      "UPDATE mall_navs SET nav_units = ? WHERE code = ? AND nav_date = ? AND nav_units = ? AND "
                      "correcting IS NULL",
                      {c.to.units(), c.code, c.date, c.from.units()}) > 0;
  if (!taken) {
    auto now =
        tx.query("SELECT nav_units, correcting FROM mall_navs WHERE code = ? AND nav_date = ?", {c.code, c.date});
    if (now.empty())
      return Refusal{404, "MALL_NAV_NOT_FOUND", fmt::format("{} 在 {} 尚未录入净值，请直接录入", c.code, c.date)};
    if (!now.at(0).is_null(1)) return Refusal{409, "MALL_NAV_CORRECTING", "该净值的上一次更正正在提交柜台，请稍后再试"};
    return Refusal{409, "MALL_NAV_CHANGED",
                   fmt::format("{} 在 {} 的净值已变为 {}，请刷新后再更正", c.code, c.date,
                               Nav::from_units(now.at(0).int64(0)).to_string())};
  }
  tx.exec(
      "INSERT INTO mall_nav_corrections (id, code, nav_date, old_units, new_units, reason, corrected_by, state, "
      "request, "
      "outcome, created_at_ms, updated_at_ms, trace_id, ip) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)",
      {c.id, c.code, c.date, c.from.units(), c.to.units(), c.reason, c.corrected_by, c.state,
       c.request ? Param(*c.request) : Param(Null{}), now_ms, now_ms, c.trace_id, c.ip});
  mall_.audit(tx, who, c.request ? "nav.correction_requested" : "nav.corrected", c.code, change(c), now_ms);
  return c;
}

bool NavCorrectionStore::apply(Tx& tx, const std::string& id, std::int64_t now_ms) const {
  auto c = get(tx, id);
  if (!c ||
      tx.exec("UPDATE mall_nav_corrections SET state = 'applied', updated_at_ms = ? WHERE id = ? AND state = 'sending'",
              {now_ms, id}) == 0)
    return false;
  tx.exec("UPDATE mall_navs SET nav_units = ?, correcting = NULL WHERE code = ? AND nav_date = ? AND correcting = ?",
          {c->to.units(), c->code, c->date, id});
  mall_.audit(tx, Actor{c->corrected_by, c->trace_id, c->ip}, "nav.corrected", c->code, change(*c) + "（柜台已更正）",
              now_ms);
  return true;
}

bool NavCorrectionStore::refuse(Tx& tx, const std::string& id, const std::string& outcome, std::int64_t now_ms) const {
  auto c = get(tx, id);
  if (!c ||
      tx.exec("UPDATE mall_nav_corrections SET state = 'refused', outcome = ?, updated_at_ms = ? WHERE id = ? AND "
              "state = 'sending'",
              {outcome, now_ms, id}) == 0)
    return false;
  tx.exec("UPDATE mall_navs SET correcting = NULL WHERE code = ? AND nav_date = ? AND correcting = ?",
          {c->code, c->date, id});
  mall_.audit(
      tx, Actor{"mall", c->trace_id, ""}, "nav.correction_refused", c->code,
      fmt::format("{} 净值更正（{} → {}）被柜台拒绝：{}", c->date, c->from.to_string(), c->to.to_string(), outcome),
      now_ms);
  return true;
}

std::optional<NavCorrectionRecord> NavCorrectionStore::get(Tx& tx, const std::string& id) const {
  auto rows = tx.query(std::string("SELECT ") + kColumns + kFrom + " WHERE c.id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return record_of(rows.at(0));
}

std::vector<NavCorrectionRecord> NavCorrectionStore::list(Tx& tx, const std::string& code, std::int64_t limit) const {
  std::vector<NavCorrectionRecord> out;
  const auto rows =
      code.empty()
          ? tx.query(std::string("SELECT ") + kColumns + kFrom + " ORDER BY c.created_at_ms DESC, c.id LIMIT ?",
                     {limit})
          : tx.query(std::string("SELECT ") + kColumns + kFrom +
                         " WHERE c.code = ? ORDER BY c.created_at_ms DESC, c.id LIMIT ?",
                     {code, limit});
  for (const auto& r : rows) out.push_back(record_of(r));
  return out;
}

void NavCorrectionStore::tried(Tx& tx, const std::string& id, std::int64_t now_ms) const {
  tx.exec("UPDATE mall_nav_corrections SET updated_at_ms = ? WHERE id = ? AND state = 'sending'", {now_ms, id});
}

std::vector<NavCorrectionRecord> NavCorrectionStore::sending(Tx& tx) const {
  std::vector<NavCorrectionRecord> out;
  for (const auto& r : tx.query(std::string("SELECT ") + kColumns + kFrom +
                                " WHERE c.state = 'sending' ORDER BY c.updated_at_ms, c.id LIMIT 20"))
    out.push_back(record_of(r));
  return out;
}

std::set<std::pair<std::string, std::string>> NavCorrectionStore::held(Tx& tx) const {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& r : tx.query("SELECT code, nav_date FROM mall_navs WHERE correcting IS NOT NULL"))
    out.emplace(r.string(0), r.string(1));
  return out;
}

std::pair<int, std::vector<OrderRecord>> NavCorrectionStore::affected(Tx& tx, const NavCorrectionRecord& c) const {
  std::pair<int, std::vector<OrderRecord>> out{0, {}};
  const auto in_force = mall_.nav_on(tx, c.code, c.date);
  for (auto& o : mall_.orders_on(tx, c.code, c.date)) {
    if (o.state == "placing" || o.state == "pending")
      ++out.first;
    else if (c.state != "refused" && o.state == "confirmed" && o.nav_units && *o.nav_units == c.from.units() &&
             (!in_force || in_force->units() != *o.nav_units))  // a later correction back leaves it right
      out.second.push_back(std::move(o));
  }
  return out;
}

}  // namespace zt::services::mall
