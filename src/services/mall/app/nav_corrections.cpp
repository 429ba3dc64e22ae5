#include "services/mall/app/nav_corrections.hpp"

#include <fmt/format.h>

#include "core/finance/calendar.hpp"
#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/observe/log.hpp"
#include "core/observe/trace.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace counter = platform::counter;
using core::http::ApiError;
using core::http::RequestContext;
using core::http::value_or_throw;

namespace {

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

const char* state_title(const std::string& state) {
  if (state == "sending") return "柜台处理中";
  if (state == "applied") return "已更正";
  return "柜台拒绝";
}

}  // namespace

boost::asio::awaitable<NavCorrectionView> NavCorrections::correct(const std::string& code, const std::string& date,
                                                                  const NavCorrectionIn& in, const Actor& who,
                                                                  const RequestContext* ctx) {
  const std::string reason = trimmed(in.reason);
  if (reason.empty()) throw ApiError(400, "MALL_REASON_REQUIRED", "请填写更正原因（将记入审计）");
  if (in.nav.units() <= 0) throw ApiError(400, "MALL_NAV_INVALID", "净值应大于0");
  try {
    core::finance::parse_date(date);
  } catch (const core::finance::CalendarError&) {
    throw ApiError(400, "MALL_BAD_DATE", "净值日期应为有效日期（YYYY-MM-DD）");
  }
  const auto now_ms = core::unix_millis();
  auto begun = co_await db_.write([&](core::storage::Tx& tx) -> Result<NavCorrectionRecord> {
    auto p = store_.product(tx, code);
    if (!p) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code)};
    auto now = store_.nav_on(tx, code, date);
    if (!now) return Refusal{404, "MALL_NAV_NOT_FOUND", fmt::format("{} 在 {} 尚未录入净值，请直接录入", code, date)};
    if (*now != in.from)
      return Refusal{409, "MALL_NAV_CHANGED",
                     fmt::format("{} 在 {} 的净值已变为 {}，请刷新后再更正", code, date, now->to_string())};
    NavCorrectionRecord c;
    c.id = "NC" + core::observe::random_hex_id(8);
    c.code = code;
    c.date = date;
    c.from = *now;
    c.to = in.nav;
    c.reason = reason;
    // A draft was never sent to the counter: corrected here alone. Otherwise the counter's request,
    // under the correction's own request id (a late copy of it can never undo a later one).
    if (p->status != "draft")
      c.request = counter::CounterClient::correction_request({"mall-" + c.id, code, date, c.from, c.to});
    return corrections_.begin(tx, std::move(c), who, now_ms);  // refuses an unchanged NAV (MALL_NAV_UNCHANGED)
  });
  const auto c = value_or_throw(std::move(begun));
  core::log::info("mall: NAV of {} on {} corrected by {} ({} → {}), {}", code, date, who.id, c.from.to_string(),
                  c.to.to_string(), c.request ? "sending to the counter" : "applied");
  if (c.request) co_await send(c, ctx);
  catalogue_.forget();
  const bool with_customers = ctx && ctx->caller.has_permission("orders.read");
  auto out =
      co_await db_.read([&](core::storage::Tx& tx) { return view(tx, *corrections_.get(tx, c.id), with_customers); });
  if (out.state == "refused")
    throw ApiError(409, "MALL_NAV_CORRECTION_REFUSED", "柜台拒绝了净值更正，净值未修改：" + out.outcome.value_or(""));
  co_return out;
}

boost::asio::awaitable<void> NavCorrections::send(const NavCorrectionRecord& c, const RequestContext* ctx) {
  auto answer = co_await counter_.correct_nav(c.code, c.date, *c.request, ctx);
  const auto now_ms = core::unix_millis();
  if (std::holds_alternative<counter::CorrectNav>(answer)) {
    co_await db_.write([&](core::storage::Tx& tx) { return corrections_.apply(tx, c.id, now_ms); });
    catalogue_.forget();
    co_return;
  }
  if (auto* r = std::get_if<core::Refusal>(&answer)) {
    const std::string why = r->message;
    co_await db_.write([&](core::storage::Tx& tx) { return corrections_.refuse(tx, c.id, why, now_ms); });
    core::log::warn("mall: the counter refused the NAV correction {}: {} {}", c.id, r->code, r->message);
    co_return;
  }
  const auto& unknown = std::get<counter::Unknown>(answer);
  if (unknown.code == "COUNTER_REQUEST_REUSED") {
    // Its request id went with another body (sending it again would never be answered otherwise):
    // what the counter did under that id settles it — done, refused, or now void.
    const std::string request_id = "mall-" + c.id;
    auto fate = co_await counter_.void_request(request_id, ctx);
    if (auto* f = std::get_if<counter::RequestFate>(&fate)) {
      const auto settled_ms = core::unix_millis();
      if (f->outcome == "done") {
        co_await db_.write([&](core::storage::Tx& tx) { return corrections_.apply(tx, c.id, settled_ms); });
        catalogue_.forget();
        co_return;
      }
      if (f->outcome == "refused" || f->outcome == "void") {
        const std::string why =
            f->outcome == "void" ? "柜台未受理该更正（请求已作废）" : f->message.value_or("柜台拒绝了该更正");
        co_await db_.write([&](core::storage::Tx& tx) { return corrections_.refuse(tx, c.id, why, settled_ms); });
        co_return;
      }
    }
  }
  co_await db_.write([&](core::storage::Tx& tx) { corrections_.tried(tx, c.id, now_ms); });
  core::log::warn("mall: the counter did not answer the NAV correction {} ({} {}); it will be sent again", c.id,
                  unknown.status, unknown.code);
}

boost::asio::awaitable<std::vector<NavCorrectionRecord>> NavCorrections::on_their_way() {
  co_return co_await db_.read([&](core::storage::Tx& tx) { return corrections_.sending(tx); });
}

boost::asio::awaitable<NavCorrectionPage> NavCorrections::list(const std::string& code, std::int64_t limit,
                                                               bool with_customers) {
  co_return co_await db_.read([&](core::storage::Tx& tx) {
    NavCorrectionPage page;
    for (const auto& c : corrections_.list(tx, code, limit)) page.items.push_back(view(tx, c, with_customers));
    return page;
  });
}

NavCorrectionView NavCorrections::view(core::storage::Tx& tx, const NavCorrectionRecord& c, bool with_customers) const {
  NavCorrectionView v;
  v.id = c.id;
  v.code = c.code;
  v.product_name = c.product_name;
  v.date = c.date;
  v.from = c.from;
  v.to = c.to;
  v.reason = c.reason;
  v.corrected_by = c.corrected_by;
  v.corrected_at = core::utc_timestamp_ms(c.created_at_ms);
  v.state = c.state;
  v.state_title = state_title(c.state);
  v.outcome = c.outcome;
  auto [pending, to_adjust] = corrections_.affected(tx, c);
  v.pending_orders = pending;
  for (const auto& o : to_adjust) v.to_adjust.push_back(store_.view(o, false, with_customers));
  return v;
}

}  // namespace zt::services::mall
