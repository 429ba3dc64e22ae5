#pragma once
// NAV corrections (净值更正) as kept (migrations/0009_nav_corrections.sql). A correction is begun
// with one conditional write on the NAV's row (it names the value it replaces and takes the row
// only when no other correction holds it), and ends once: applied (the NAV changed) or refused
// (nothing changed). Each call runs inside the caller's transaction.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/storage/database.hpp"
#include "core/util/refusal.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::services::mall {

struct NavCorrectionRecord {
  std::string id, code, product_name, date;
  Nav from, to;
  std::string reason, corrected_by, state;
  std::optional<std::string> request, outcome;
  std::int64_t created_at_ms = 0;
  std::string trace_id, ip;
};

class NavCorrectionStore {
 public:
  explicit NavCorrectionStore(const MallStore& mall) : mall_(mall) {}

  // Records a correction of `code`'s NAV on `date` from `from` to `to`, with the counter request
  // it sends (none: applied at once, for a product the counter does not know). 404
  // MALL_NAV_NOT_FOUND, 409 MALL_NAV_CORRECTING (another correction on its way), 409
  // MALL_NAV_CHANGED (the NAV is no longer `from`).
  Result<NavCorrectionRecord> begin(core::storage::Tx& tx, NavCorrectionRecord c, const Actor& who,
                                    std::int64_t now_ms) const;
  // Ends a correction still on its way: applied or refused (with why). False when it had ended.
  bool apply(core::storage::Tx& tx, const std::string& id, std::int64_t now_ms) const;
  bool refuse(core::storage::Tx& tx, const std::string& id, const std::string& outcome, std::int64_t now_ms) const;

  std::optional<NavCorrectionRecord> get(core::storage::Tx& tx, const std::string& id) const;
  // The newest first, at most `limit`; of one product when `code` is not empty.
  std::vector<NavCorrectionRecord> list(core::storage::Tx& tx, const std::string& code, std::int64_t limit) const;
  // A send without an answer: it goes behind the others on their way.
  void tried(core::storage::Tx& tx, const std::string& id, std::int64_t now_ms) const;
  // Those on their way to the counter, least recently sent first (at most 20).
  std::vector<NavCorrectionRecord> sending(core::storage::Tx& tx) const;
  // The (product, date) pairs whose NAV a correction holds: their orders wait.
  std::set<std::pair<std::string, std::string>> held(core::storage::Tx& tx) const;
  // A correction's date's orders: how many have not ended, and those confirmed at the NAV it
  // replaced (none for a refused one: nothing changed). At most 5,000 orders of a date are read.
  std::pair<int, std::vector<OrderRecord>> affected(core::storage::Tx& tx, const NavCorrectionRecord& c) const;

 private:
  const MallStore& mall_;
};

}  // namespace zt::services::mall
