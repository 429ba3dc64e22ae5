#pragma once
// The mall against the counter (对账): every live order, every account's frozen cash and frozen
// shares, every holding, read from both and compared; each difference listed with what each side
// has. An empty report means the two agree exactly. Staff read it from the console (商城对账); a
// difference that remains after the confirmation job has run is a stuck item to resolve.
//
// The counter is read account by account (balance and positions): fine for the sandbox and a
// brokerage's online accounts in the tens of thousands; a counter's end-of-day files are the way
// for more.
#include <boost/asio/awaitable.hpp>

#include "platform/counter/client/counter_client.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::http {
struct RequestContext;
}

namespace zt::services::mall {

class Reconciliation {
 public:
  Reconciliation(core::storage::Database& db, const MallStore& store, const platform::counter::CounterClient& counter)
      : db_(db), store_(store), counter_(counter) {}

  boost::asio::awaitable<ReconciliationReport> report(const core::http::RequestContext& ctx) const;

 private:
  core::storage::Database& db_;
  const MallStore& store_;
  const platform::counter::CounterClient& counter_;
};

}  // namespace zt::services::mall
