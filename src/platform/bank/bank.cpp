#include "platform/bank/bank.hpp"

#include <fmt/format.h>

#include <regex>

#include "core/app/keys.hpp"
#include "core/finance/identity.hpp"
#include "core/observe/log.hpp"
#include "core/storage/database.hpp"
#include "core/storage/idempotency.hpp"
#include "core/util/time.hpp"
#include "platform/vendor_kit/providers.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"
#include "platform/vendor_kit/sandbox_people.hpp"

std::span<const zt::core::EmbeddedFile> zt_bank_migrations();
std::span<const zt::core::EmbeddedFile> zt_bank_openapi();

namespace zt::platform::bank {

namespace {

using vendor_kit::Result;

const vendor_kit::SandboxFaults kFaults{"bank", "存管银行"};
const core::storage::RequestLog kRequests{"bank_requests", "BANK"};
constexpr const char* kCardContext = "bank_transfers.card";

std::string mask_card(const std::string& c) { return c.substr(0, 4) + " **** **** " + c.substr(c.size() - 4); }

class Sandbox final : public BankProvider {
 public:
  Sandbox(core::storage::Database& db, const core::crypto::KeyRing& keys, core::finance::Money limit) : db_(db), keys_(keys), limit_(limit) {}

  boost::asio::awaitable<Result<CardCheck>> verify_card(CardQuery q, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    const auto [code, name] = bank_of(q.card_no);
    bool match = false;
    if (const auto* p = vendor_kit::sandbox_person_by_card(q.card_no)) match = p->id_number == q.id_number && p->name == q.name && p->mobile == q.mobile;
    else match = q.mobile.back() != '8';
    co_return CardCheck{match ? "match" : "mismatch", match ? "银行卡信息验证通过" : "银行卡与持卡人信息不一致", code, name};
  }

  boost::asio::awaitable<Result<TransferReceipt>> confirm_transfer(TransferRequest r, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    co_return co_await core::storage::write_claiming(db_, [&](core::storage::Tx& tx) {
      return core::storage::once<TransferReceipt>(tx, kRequests, r.request_id, "transfer", r, core::unix_millis(), [&]() -> Result<TransferReceipt> {
        const bool over = r.amount > limit_;
        std::string serial;
        if (!over) {
          serial = fmt::format("{}{:012d}", r.bank_code, core::storage::next_in_sequence(tx, "bank_sequences", "serial"));
        }
        tx.exec("INSERT INTO bank_transfers (request_id, bank_code, card_hash, card_sealed, direction, amount_units, status, bank_serial, created_at_ms) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {r.request_id, r.bank_code, keys_.keyed_hash(r.card_no, kCardContext), keys_.seal(r.card_no, kCardContext), r.direction,
                 r.amount.units(), std::string(over ? "refused" : "confirmed"), serial, core::unix_millis()});
        if (over) return TransferReceipt{"refused", "", fmt::format("单笔金额超过银行限额{}元", limit_.to_string())};
        return TransferReceipt{"confirmed", serial, "银行已确认"};
      });
    });
  }

 private:
  core::storage::Database& db_;
  const core::crypto::KeyRing& keys_;
  core::finance::Money limit_;
};

class Http final : public BankProvider {
 public:
  Http(vendor_kit::VendorSettings s, core::observe::Registry* m) : client_(std::move(s), m) {}
  boost::asio::awaitable<Result<CardCheck>> verify_card(CardQuery q, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(q);
    const std::string path = "/bank/cards/verify";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    co_return vendor_kit::from_vendor<CardCheck>(std::move(answer), client_.settings());
  }
  boost::asio::awaitable<Result<TransferReceipt>> confirm_transfer(TransferRequest r, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(r);
    const std::string path = "/bank/transfers/confirm";
    // Moves money: sent once; a lost answer is settled by asking again with the same request id.
    auto answer = co_await client_.call(path, std::move(body), false, ctx);
    auto out = vendor_kit::from_vendor<TransferReceipt>(std::move(answer), client_.settings());
    if (auto* t = std::get_if<TransferReceipt>(&out); t && t->status != "confirmed" && t->status != "refused")
      co_return core::Refusal{502, "BANK_VENDOR_BAD_RESPONSE", "存管银行返回了无法识别的结果"};
    co_return out;
  }

 private:
  vendor_kit::VendorClient client_;
};

std::optional<core::Refusal> bad_card(const std::string& card) {
  static const std::regex digits("[0-9]{12,19}");
  if (!std::regex_match(card, digits) || !luhn_valid(card)) return core::Refusal{400, "BANK_CARD_INVALID", "银行卡号不正确，请核对"};
  if (bank_of(card).first.empty()) return core::Refusal{422, "BANK_CARD_UNSUPPORTED", "暂不支持该银行的银行卡"};
  return std::nullopt;
}

class BankComponent final : public core::Component {
 public:
  explicit BankComponent(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    provider_name_ = c.get_string("provider");
    const vendor_kit::Providers<BankProvider> providers{
        "bank",
        {{"sandbox",
          [&] {
            return std::make_unique<Sandbox>(ctx.database(), core::sealing_keys(ctx),
                                             core::finance::Money::parse(c.get_string("sandbox_transfer_limit")));
          }},
         {"http", [&] { return std::make_unique<Http>(vendor_kit::vendor_settings(c, "bank", "存管银行"), &ctx.metrics()); }}}};
    provider_ = providers.make(provider_name_);
    auto& r = ctx.public_router();
    vendor_kit::add_operation<CardQuery>(r, "/api/bank/v1/card-verifications", "bank",
                                     [this](CardQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<CardCheck>> {
                                       if (auto bad = bad_card(q.card_no)) co_return *bad;
                                       if (auto bad = vendor_kit::normalise_id_number(q.id_number, "BANK")) co_return *bad;
                                       if (!core::finance::is_valid_mobile(q.mobile)) co_return core::Refusal{400, "BANK_MOBILE_INVALID", "手机号码格式不正确"};
                                       const std::string masked = mask_card(q.card_no);
                                       auto out = co_await provider_->verify_card(std::move(q), &rc);
                                       if (auto* v = std::get_if<CardCheck>(&out)) rc.log().info("bank: card {} checked for {}: {}", masked, rc.calling_service, v->result);
                                       co_return out;
                                     });
    vendor_kit::add_operation<TransferRequest>(r, "/api/bank/v1/transfers", "bank",
                                           [this](TransferRequest t, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<TransferReceipt>> {
                                             if (auto bad = bad_card(t.card_no)) co_return *bad;
                                             if (t.direction != "in" && t.direction != "out") co_return core::Refusal{400, "BANK_DIRECTION_INVALID", "方向应为 in 或 out"};
                                             if (t.amount.units() <= 0) co_return core::Refusal{400, "BANK_AMOUNT_INVALID", "金额应大于0"};
                                             if (bank_of(t.card_no).first != t.bank_code) co_return core::Refusal{400, "BANK_CODE_MISMATCH", "银行卡不属于该银行"};
                                             co_return co_await provider_->confirm_transfer(std::move(t), &rc);
                                           });
  }
  void start() override { core::log::info("bank: provider {}", provider_name_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::unique_ptr<BankProvider> provider_;
};

}  // namespace

bool luhn_valid(const std::string& card) {
  int sum = 0;
  bool twice = false;
  for (auto it = card.rbegin(); it != card.rend(); ++it) {
    int d = *it - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return !card.empty() && sum % 10 == 0;
}

std::pair<std::string, std::string> bank_of(const std::string& card) {
  static const std::vector<std::tuple<std::string, std::string, std::string>> bins = {
      {"622202", "ICBC", "中国工商银行"}, {"621700", "CCB", "中国建设银行"}, {"622848", "ABC", "中国农业银行"},
      {"621483", "CMB", "招商银行"},     {"621661", "BOC", "中国银行"}};
  for (const auto& [bin, code, name] : bins)
    if (card.rfind(bin, 0) == 0) return {code, name};
  return {};
}

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "bank";
  s.description = "depository banks (三方存管): bank-card verification and transfer confirmation";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  auto fields = vendor_kit::vendor_fields();
  fields.push_back(string("sandbox_transfer_limit", "5000000.00").describe("the sandbox banks' single-transfer limit (yuan)"));
  s.schema = {"bank", fields, "存管银行 (the banks, or the sandbox)"};
  s.migrations = &zt_bank_migrations;
  s.openapi = &zt_bank_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<BankComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::bank
