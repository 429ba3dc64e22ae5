#pragma once
// Staff resolving a stuck workflow item (retry it, void it, expire it …), once per request:
//
//   CREATE TABLE <service>_resolutions (idempotency_key TEXT PRIMARY KEY, staff TEXT NOT NULL,
//     <subject column> TEXT NOT NULL, fingerprint TEXT NOT NULL, result TEXT NOT NULL,
//     created_at_ms BIGINT NOT NULL);
//
// The protocol (run()): in one transaction the key is claimed, the item judged (a refusal keeps
// nothing, the key is not used up) and the intent audited with the staff member's reason — all
// before anything is asked of another service; then the action; then, in one transaction, its
// result audited and kept under the key. A repeat with the same key (a lost answer, a double click)
// gets the kept answer, whatever the item's state is now; the same key for another resolution, or
// by another staff member, is refused 422 <PREFIX>_IDEMPOTENCY_KEY_REUSED; a repeat while the first
// acts, 409 <PREFIX>_RESOLUTION_IN_PROGRESS. An action that fails without an answer (a storage
// error, an answer that did not parse) gives its key back, audited as having come to nothing; a
// claim left unfinished — its instance died while acting, or the closing transaction failed (the
// result's audit is then lost with it; the action's own records stay) — answers 409 until a
// repeat takes it over after `taken_over_after_ms`, so every action must be safe to repeat (the
// same request ids). The first resolution to finish keeps its answer.
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/storage/database.hpp"

namespace zt::core::workflow {

class Resolutions {
 public:
  struct Names {
    std::string table;    // "mall_resolutions"
    std::string subject;  // its column naming the item ("order_id")
    std::string prefix;   // the service's code prefix ("MALL")
  };
  // What a key was claimed for; `result` is empty while its resolution acts.
  struct Claim {
    std::string staff, fingerprint, result;
  };
  explicit Resolutions(Names names, std::int64_t taken_over_after_ms = 60'000);

  // ---- the steps of one resolution (run() takes them all)
  std::optional<Claim> find(storage::Tx& tx, const std::string& key) const;
  // nullopt when this call claimed the key (or took over the same resolution's claim left
  // unfinished for taken_over_after_ms); else the earlier claim.
  std::optional<Claim> claim(storage::Tx& tx, const std::string& key, const std::string& staff,
                             const std::string& subject, const std::string& fingerprint, std::int64_t now_ms) const;
  // False when the key's answer was kept already (the first to finish keeps it).
  bool done(storage::Tx& tx, const std::string& key, const std::string& result) const;
  // Gives an unfinished claim back (its resolution failed before an answer): the key may act again.
  void give_back(storage::Tx& tx, const std::string& key) const;
  // The answer to a key claimed earlier: its kept result, or the refusal (above).
  const std::string& answer(const Claim& earlier, const std::string& staff, const std::string& fingerprint) const;

  // ---- the whole protocol
  struct Resolve {
    std::string key, staff, subject;
    std::string fingerprint;  // of what is asked (item, action, reason): a repeat must ask the same
    // In the claiming transaction, before the claim: refuse what may not be done (throw the
    // service's ApiError; nothing is kept).
    std::function<void(storage::Tx&)> judge;
    // In the same transaction, after the claim: audit the intent, note it in the item's history.
    std::function<void(storage::Tx&)> begin;
    // The action itself (its outcome kept by the caller for finish).
    std::function<boost::asio::awaitable<void>()> act;
    // In the closing transaction: audit the result, note it; answers what the key keeps.
    std::function<std::string(storage::Tx&)> finish;
    // The action threw: audit that it came to nothing (`error`: what it threw). The error is
    // thrown on to the caller after.
    std::function<void(storage::Tx&, const std::string& error)> abandoned;
  };
  // The kept answer: this resolution's (finish) or the earlier one's under the same key.
  boost::asio::awaitable<std::string> run(storage::Database& db, Resolve r, std::int64_t now_ms) const;

 private:
  Names names_;
  std::int64_t taken_over_after_ms_;
  std::string insert_, take_over_, select_, done_, give_back_;
};

}  // namespace zt::core::workflow
