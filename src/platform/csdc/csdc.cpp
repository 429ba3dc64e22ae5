#include "platform/csdc/csdc.hpp"

#include <fmt/format.h>

#include "core/app/keys.hpp"
#include "core/finance/calendar.hpp"
#include "core/finance/identity.hpp"
#include "core/observe/log.hpp"
#include "core/storage/database.hpp"
#include "core/storage/idempotency.hpp"
#include "core/util/time.hpp"
#include "platform/vendor_kit/providers.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"
#include "platform/vendor_kit/sandbox_people.hpp"

std::span<const zt::core::EmbeddedFile> zt_csdc_migrations();
std::span<const zt::core::EmbeddedFile> zt_csdc_openapi();

namespace zt::platform::csdc {

namespace {

using vendor_kit::Result;

const vendor_kit::SandboxFaults kFaults{"csdc", "中登"};
const core::storage::RequestLog kRequests{"csdc_requests", "CSDC"};
constexpr const char* kIdContext = "csdc_accounts.id_number";
constexpr const char* kBroker = "本券商";
constexpr const char* kOtherBroker = "其他证券公司";

const char* market_name(const std::string& m) { return m == "SH" ? "上海" : "深圳"; }

class Sandbox final : public CsdcProvider {
 public:
  Sandbox(core::storage::Database& db, const core::crypto::KeyRing& keys) : db_(db), keys_(keys) {
    // The population's existing accounts, once (at another broker, not linked to this one).
    db_.write_blocking([&](core::storage::Tx& tx) {
      for (const auto& p : vendor_kit::sandbox_people()) {
        const auto h = keys_.keyed_hash(p.id_number, kIdContext);
        if (!tx.query("SELECT 1 FROM csdc_investors WHERE id_hash = ?", {h}).empty()) continue;
        tx.exec("INSERT INTO csdc_investors (id_hash, first_trade_date) VALUES (?, ?)",
                {h, p.first_trade_date.empty() ? core::storage::Param(core::storage::Null{}) : core::storage::Param(p.first_trade_date)});
        for (auto [market, n] : {std::pair<std::string, int>{"SH", p.sh_accounts}, {"SZ", p.sz_accounts}})
          for (int i = 0; i < n; ++i) insert(tx, h, p.id_number, market, kOtherBroker, false, "2010-01-04", 0);
      }
    });
  }

  boost::asio::awaitable<Result<Accounts>> accounts(AccountQuery q, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    const auto h = keys_.keyed_hash(q.id_number, kIdContext);
    co_return co_await db_.read([&](core::storage::Tx& tx) -> Result<Accounts> { return accounts_of(tx, h); });
  }

  boost::asio::awaitable<Result<Account>> open(OpenAccount r, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    co_return co_await core::storage::write_claiming(db_, [&](core::storage::Tx& tx) {
      return core::storage::once<Account>(tx, kRequests, r.request_id, "open", r, core::unix_millis(), [&]() -> Result<Account> {
        const auto h = keys_.keyed_hash(r.id_number, kIdContext);
        const auto held = tx.query("SELECT COUNT(*) FROM csdc_accounts WHERE id_hash = ? AND market = ?", {h, r.market}).at(0).int64(0);
        if (held >= kMaxAccountsPerMarket)
          return core::Refusal{409, "CSDC_ACCOUNT_LIMIT",
                               fmt::format("该投资者在{}市场已有{}个A股账户，不能新开；可选择下挂已有账户", market_name(r.market), held)};
        if (tx.query("SELECT 1 FROM csdc_investors WHERE id_hash = ?", {h}).empty())
          tx.exec("INSERT INTO csdc_investors (id_hash, first_trade_date) VALUES (?, NULL)", {h});
        return insert(tx, h, r.id_number, r.market, kBroker, true, r.opened_date, core::unix_millis());
      });
    });
  }

  boost::asio::awaitable<Result<Account>> link(LinkAccount r, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    co_return co_await core::storage::write_claiming(db_, [&](core::storage::Tx& tx) {
      return core::storage::once<Account>(tx, kRequests, r.request_id, "link", r, core::unix_millis(), [&]() -> Result<Account> {
        const auto h = keys_.keyed_hash(r.id_number, kIdContext);
        auto rows = tx.query("SELECT market FROM csdc_accounts WHERE account_no = ? AND id_hash = ?", {r.account_no, h});
        if (rows.empty()) return core::Refusal{404, "CSDC_ACCOUNT_NOT_FOUND", fmt::format("该投资者名下没有证券账户 {}", r.account_no)};
        tx.exec("UPDATE csdc_accounts SET broker = ?, linked = 1 WHERE account_no = ?", {std::string(kBroker), r.account_no});
        return account(tx, r.account_no);
      });
    });
  }

 private:
  static Account account(core::storage::Tx& tx, const std::string& account_no) {
    const auto r = tx.query("SELECT market, account_no, status, broker, linked, opened_date FROM csdc_accounts WHERE account_no = ?", {account_no}).at(0);
    return Account{r.string(0), r.string(1), r.string(2), r.string(3), r.int64(4) != 0, r.string(5)};
  }
  Accounts accounts_of(core::storage::Tx& tx, const std::string& h) const {
    Accounts out;
    for (const auto& r : tx.query("SELECT account_no FROM csdc_accounts WHERE id_hash = ? ORDER BY market, account_no", {h}))
      out.accounts.push_back(account(tx, r.string(0)));
    auto inv = tx.query("SELECT first_trade_date FROM csdc_investors WHERE id_hash = ?", {h});
    if (!inv.empty() && !inv.at(0).is_null(0)) out.first_trade_date = inv.at(0).string(0);
    return out;
  }
  Account insert(core::storage::Tx& tx, const std::string& h, const std::string& id, const std::string& market, const std::string& broker, bool linked,
                 const std::string& opened, std::int64_t now) const {
    // Sandbox numbers: Shanghai A + 9 digits (from 900000000), Shenzhen 0 + 9 digits (from 900000000).
    const auto n = core::storage::next_in_sequence(tx, "csdc_sequences", market) + 900000000;
    const std::string no = market == "SH" ? fmt::format("A{:09d}", n) : fmt::format("0{:09d}", n);
    tx.exec("INSERT INTO csdc_accounts (account_no, id_hash, id_sealed, market, status, broker, linked, opened_date, created_at_ms) VALUES (?, ?, ?, ?, 'normal', ?, ?, ?, ?)",
            {no, h, keys_.seal(id, kIdContext), market, broker, static_cast<std::int64_t>(linked ? 1 : 0), opened, now});
    return account(tx, no);
  }

  core::storage::Database& db_;
  const core::crypto::KeyRing& keys_;
};

class Http final : public CsdcProvider {
 public:
  Http(vendor_kit::VendorSettings s, core::observe::Registry* m) : client_(std::move(s), m) {}
  boost::asio::awaitable<Result<Accounts>> accounts(AccountQuery q, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(q);
    const std::string path = "/csdc/accounts/query";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    co_return vendor_kit::from_vendor<Accounts>(std::move(answer), client_.settings());
  }
  boost::asio::awaitable<Result<Account>> open(OpenAccount r, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(r);
    const std::string path = "/csdc/accounts/open";
    auto answer = co_await client_.call(path, std::move(body), false, ctx);  // opens: never sent twice
    co_return vendor_kit::from_vendor<Account>(std::move(answer), client_.settings());
  }
  boost::asio::awaitable<Result<Account>> link(LinkAccount r, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(r);
    const std::string path = "/csdc/accounts/link";
    auto answer = co_await client_.call(path, std::move(body), false, ctx);
    co_return vendor_kit::from_vendor<Account>(std::move(answer), client_.settings());
  }

 private:
  vendor_kit::VendorClient client_;
};

std::optional<core::Refusal> bad_id(std::string& id_number) { return vendor_kit::normalise_id_number(id_number, "CSDC"); }

class CsdcComponent final : public core::Component {
 public:
  explicit CsdcComponent(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    provider_name_ = c.get_string("provider");
    const vendor_kit::Providers<CsdcProvider> providers{
        "csdc",
        {{"sandbox", [&] { return std::make_unique<Sandbox>(ctx.database(), core::sealing_keys(ctx)); }},
         {"http", [&] { return std::make_unique<Http>(vendor_kit::vendor_settings(c, "csdc", "中登"), &ctx.metrics()); }}}};
    provider_ = providers.make(provider_name_);
    auto& r = ctx.public_router();
    vendor_kit::add_operation<AccountQuery>(r, "/api/csdc/v1/accounts/query", "csdc",
                                        [this](AccountQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<Accounts>> {
                                          if (auto bad = bad_id(q.id_number)) co_return *bad;
                                          co_return co_await provider_->accounts(std::move(q), &rc);
                                        });
    vendor_kit::add_operation<OpenAccount>(r, "/api/csdc/v1/accounts/open", "csdc",
                                       [this](OpenAccount o, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<Account>> {
                                         if (auto bad = bad_id(o.id_number)) co_return *bad;
                                         if (o.market != "SH" && o.market != "SZ") co_return core::Refusal{400, "CSDC_MARKET_INVALID", "市场应为 SH（上海）或 SZ（深圳）"};
                                         try {
                                           core::finance::parse_date(o.opened_date);
                                         } catch (const core::finance::CalendarError&) {
                                           co_return core::Refusal{400, "CSDC_BAD_DATE", "开户日期应为有效日期（YYYY-MM-DD）"};
                                         }
                                         auto out = co_await provider_->open(std::move(o), &rc);
                                         if (auto* a = std::get_if<Account>(&out))
                                           rc.log().info("csdc: opened a {} account for {}", a->market,
                                                         rc.calling_service);
                                         co_return out;
                                       });
    vendor_kit::add_operation<LinkAccount>(r, "/api/csdc/v1/accounts/link", "csdc",
                                       [this](LinkAccount l, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<Account>> {
                                         if (auto bad = bad_id(l.id_number)) co_return *bad;
                                         co_return co_await provider_->link(std::move(l), &rc);
                                       });
  }
  void start() override { core::log::info("csdc: provider {}", provider_name_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::unique_ptr<CsdcProvider> provider_;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec s;
  s.name = "csdc";
  s.description = "中登 一码通: A-share accounts per market, first trade date, opening (新开) and linking (下挂)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"csdc", vendor_kit::vendor_fields(), "中登 (the vendor, or the sandbox)"};
  s.migrations = &zt_csdc_migrations;
  s.openapi = &zt_csdc_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<CsdcComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::csdc
