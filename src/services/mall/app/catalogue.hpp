#pragma once
// The mall's catalogue (use cases): products and their NAVs as customers browse them and staff
// keep them. A published product's NAVs go to the counter before the mall keeps them, so the
// counter knows every product it is asked to trade. Display reads are reused for `read_cache`
// (never an order's reads); this instance's own writes forget them at once. What customers browse
// is kept serialised, one body per page and kind of viewer (what is promoted to a customer
// depends only on their assessment's level, validity and investor type), so a busy product list
// costs neither a read nor a serialisation.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "platform/counter/client/counter_client.hpp"
#include "platform/suitability/client/suitability_client.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::http {
struct RequestContext;
}

namespace zt::services::mall {

class Catalogue {
 public:
  Catalogue(core::storage::Database& db, const MallStore& store, const platform::counter::CounterClient& counter,
            const platform::suitability::SuitabilityClient& suitability, std::chrono::milliseconds read_cache)
      : db_(db), store_(store), counter_(counter), suitability_(suitability), read_cache_(read_cache) {}

  // ---- customers and anyone: published and halted products; for a signed-in customer, whether
  // each is promoted to them (never above their level). The answers as JSON (a ProductPage, a
  // ProductView).
  boost::asio::awaitable<std::shared_ptr<const std::string>> list(const std::string& category,
                                                                  const std::string& cursor, std::int64_t limit,
                                                                  const core::http::RequestContext& ctx);
  boost::asio::awaitable<std::shared_ptr<const std::string>> detail(const std::string& code,
                                                                    const core::http::RequestContext& ctx);
  // A product for qualified (合格) or professional (专业) investors only is shown — listed, its
  // details, NAVs and estimates — only to a signed-in customer classified so (BUSINESS §5: private
  // funds and trusts are never promoted to the public); anyone else gets 403
  // MALL_QUALIFIED_ONLY / MALL_PROFESSIONAL_ONLY with how to become one, and lists without it.
  boost::asio::awaitable<NavList> navs(const std::string& code, const std::string& from, const std::string& to,
                                       const core::http::RequestContext& ctx);
  // What a subscription of `amount` ("10000.00") would cost and buy at the latest NAV (anyone):
  // 400 MALL_AMOUNT_INVALID for an amount that is not a positive sum of at most two decimals,
  // 409 MALL_NAV_MISSING before the product has a NAV.
  boost::asio::awaitable<SubscriptionEstimate> estimate(const std::string& code, const std::string& amount,
                                                        const core::http::RequestContext& ctx);
  // Throws 403 MALL_QUALIFIED_ONLY / MALL_PROFESSIONAL_ONLY when the product may not be shown to
  // the caller (the orders' routes ask it before telling anything about such a product).
  boost::asio::awaitable<void> require_shown(const std::string& code, const core::http::RequestContext& ctx);
  // A product on sale (not a draft), or 404 MALL_PRODUCT_NOT_FOUND.
  ProductRow on_sale(core::storage::Tx& tx, const std::string& code) const;

  // ---- staff with products.manage
  boost::asio::awaitable<ProductPage> list_all(const std::string& category, const std::string& cursor,
                                               std::int64_t limit);
  boost::asio::awaitable<ProductView> create(const ProductIn& in, const Actor& who);
  boost::asio::awaitable<ProductView> update(const std::string& code, const ProductIn& in, const Actor& who,
                                             const core::http::RequestContext& ctx);
  // ctx: the staff request (none for the sandbox's demo feed).
  boost::asio::awaitable<ProductView> set_status(const std::string& code, const StatusIn& in, const Actor& who,
                                                 const core::http::RequestContext* ctx);
  // Any product's NAVs, drafts' included.
  boost::asio::awaitable<NavList> navs_any(const std::string& code, const std::string& from, const std::string& to);
  boost::asio::awaitable<NavPoint> enter_nav(const std::string& code, const std::string& date, Nav nav,
                                             const Actor& who, const core::http::RequestContext* ctx);
  // "code,date,nav" per line (a header line allowed); every line checked first, all or nothing.
  boost::asio::awaitable<NavImported> import_navs(const std::string& csv, const Actor& who,
                                                  const core::http::RequestContext& ctx);

  // Forgets every display read (after a write that changes what customers see: places left, a
  // status, a NAV).
  void forget();

 private:
  // What decides what is promoted to a viewer; none for anyone who is not a signed-in customer
  // (or whose profile cannot be read: nothing is promoted then).
  struct Viewer {
    bool valid = false, qualified = false, professional = false;
    int level = 0;
    std::string key() const;
  };
  struct CachedPage {
    std::chrono::steady_clock::time_point until;
    std::shared_ptr<const ProductPage> page;
    std::unordered_map<std::string, std::shared_ptr<const std::string>> bodies;  // by Viewer::key()
  };
  struct CachedRisk {
    std::chrono::steady_clock::time_point until;
    Viewer viewer;
  };
  // The body of `key` for this viewer: from the cache, else `read` (a DB read) then serialised.
  template <class Read>
  boost::asio::awaitable<std::shared_ptr<const std::string>> browse(const std::string& key, Read read, bool one,
                                                                    const core::http::RequestContext& ctx);
  boost::asio::awaitable<std::optional<Viewer>> viewer(const core::http::RequestContext& ctx);
  // Whether a product for `audience` may be shown to this viewer (none: not a signed-in customer).
  static bool shown_to(const std::string& audience, const std::optional<Viewer>& who);

  // Registers a product and its NAV at the counter; `required`: a failure refuses the caller's
  // request (publishing), else it is logged and the next NAV tries again.
  boost::asio::awaitable<void> register_at_counter(const std::string& code, const std::string& name,
                                                   const std::string& nav, const std::string& date,
                                                   const core::http::RequestContext* ctx, bool required);

  core::storage::Database& db_;
  const MallStore& store_;
  const platform::counter::CounterClient& counter_;
  const platform::suitability::SuitabilityClient& suitability_;
  std::chrono::milliseconds read_cache_;
  std::mutex mutex_;
  std::uint64_t generation_ = 0;  // counts forget()
  std::unordered_map<std::string, CachedPage> pages_;
  std::unordered_map<std::string, CachedRisk> risks_;
};

}  // namespace zt::services::mall
