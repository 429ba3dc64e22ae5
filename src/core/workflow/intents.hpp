#pragma once
// Durable intents: a call that moves money, shares or quota at another service (the counter, a
// bank, the campaign quota), recorded with its exact request before the first send, sent again
// byte-identical until its outcome is known, and settled once.
//
//   CREATE TABLE <service>_intents (
//     id TEXT PRIMARY KEY,          -- the request id sent: the other end answers it once
//     kind TEXT NOT NULL,           -- which call ("counter.place_order"): the runner's handler
//     subject TEXT NOT NULL,        -- the business item it belongs to (a plan's run, a contract)
//     request TEXT NOT NULL,        -- the exact bytes, every attempt
//     state TEXT NOT NULL,          -- due | done | refused | voided
//     attempts INTEGER NOT NULL,    -- sends whose outcome stayed unknown
//     next_at_ms BIGINT NOT NULL,   -- not sent again before
//     wait_for TEXT,                -- an outside event it waits for (a NAV, a file): not due until released
//     outcome TEXT,                 -- the answer (done), the refusal (refused) or the reason (voided)
//     last_error TEXT,              -- what the last unanswered send met
//     created_at_ms BIGINT NOT NULL,
//     updated_at_ms BIGINT NOT NULL);
//   CREATE INDEX <…> ON <table> (state, next_at_ms);
//   CREATE INDEX <…> ON <table> (subject);
//
// The rules (docs/architecture.md, "Money between services"):
// - record() in the same transaction as the business write that decides to send (a plan's run, a
//   purchase): nothing is sent that is not recorded, nothing recorded is lost.
// - Each answer is classified (core::discovery::Verdict): done → the answer kept and the business
//   effect written in the same transaction (IntentRunner::Kind::on_done); refused for good →
//   likewise (on_refused); unknown (no answer, a timeout, a 5xx, a restarting instance) → sent
//   again as recorded after a backoff — for a service that answers a request id once and repeats
//   that answer, sending it again *is* looking it up. Never marked failed on an unknown outcome.
// - Settling done or refused is one conditional update on a due intent: two runners (instances, a
//   staff retry racing the job) send the same bytes at worst, and only one settles it.
// - Nothing waits at the head of the queue: an intent waiting for an outside event is not due;
//   an unanswered one goes behind the others by its next_at; a pass takes a bounded number.
// - Stuck past a bound (unanswered, or waiting, too long) → counted for the metrics (stuck()) and
//   listed for staff (stuck_list()), who retry it now or void it (with audit, Resolutions).
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/discovery/api_client.hpp"
#include "core/storage/database.hpp"
#include "core/workflow/history.hpp"
#include "core/workflow/stuck_gauges.hpp"

namespace zt::core::workflow {

struct Intent {
  std::string id;       // the request id sent (1–64 of letters, digits, - _ . :)
  std::string kind;     // the handler
  std::string subject;  // the business item
  std::string request;  // the exact bytes
  bool operator==(const Intent&) const = default;
};

struct IntentRecord {
  Intent intent;
  std::string state;  // due | done | refused | voided
  std::int64_t attempts = 0;
  std::int64_t next_at_ms = 0;
  std::optional<std::string> wait_for;
  std::optional<std::string> outcome;
  std::optional<std::string> last_error;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool operator==(const IntentRecord&) const = default;
};

// The wait before sending an unanswered intent again: first × 2^(attempts − 1), at most `most`,
// plus up to a fifth more by the intent's id (so intents unanswered together are not all sent
// again in the same instant). Deterministic: the same intent and attempt give the same wait.
struct Backoff {
  std::chrono::milliseconds first{1000};
  std::chrono::milliseconds most{300000};
  std::chrono::milliseconds after(const std::string& id, std::int64_t attempts) const;
};

class Intents {
 public:
  explicit Intents(std::string table);

  // Records an intent before its first send (due now, or waiting for `wait_for`). False when the
  // same intent (id, kind, subject and request alike) was recorded before: nothing changes (its
  // wait too). The same id with another kind, subject or request throws std::logic_error (a
  // request id is never reused).
  bool record(storage::Tx& tx, const Intent& in, std::int64_t now_ms,
              const std::optional<std::string>& wait_for = std::nullopt) const;
  std::optional<IntentRecord> find(storage::Tx& tx, const std::string& id) const;
  // Every intent of a business item, oldest first.
  std::vector<IntentRecord> of(storage::Tx& tx, const std::string& subject) const;
  // Due now (not waiting, next_at passed), by next_at — a tried one goes behind by its backoff — at
  // most `limit`.
  std::vector<IntentRecord> due(storage::Tx& tx, std::int64_t now_ms, std::int64_t limit) const;

  // ---- settling: each true only for the call that moved a due intent (one conditional update)
  bool done(storage::Tx& tx, const std::string& id, const std::string& answer, std::int64_t now_ms) const;
  bool refused(storage::Tx& tx, const std::string& id, const std::string& error, std::int64_t now_ms) const;
  // Unknown outcome: one more attempt, not sent again before next_at_ms (two runners both
  // unanswered count two).
  bool unanswered(storage::Tx& tx, const std::string& id, const std::string& error, std::int64_t now_ms,
                  std::int64_t next_at_ms) const;
  // Staff: due now (a retry; one waiting for its event keeps waiting — release() the event), or
  // voided with the reason (only once the other end has confirmed it never executed the request —
  // e.g. the counter voided the request id; the caller checks that).
  bool retry_now(storage::Tx& tx, const std::string& id, std::int64_t now_ms) const;
  bool voided(storage::Tx& tx, const std::string& id, const std::string& reason, std::int64_t now_ms) const;

  // The outside event came: every intent waiting for it is due now. How many.
  std::int64_t release(storage::Tx& tx, const std::string& event, std::int64_t now_ms) const;

  // Stuck: "unanswered" — due, not settled, recorded before `unanswered_before_ms` (tried or not:
  // a runner that never ran counts);
  // "waiting" — waiting since before `waiting_before_ms`. Counted with the oldest's record time.
  StuckFigures stuck(storage::Tx& tx, std::int64_t unanswered_before_ms, std::int64_t waiting_before_ms) const;
  std::vector<IntentRecord> stuck_list(storage::Tx& tx, std::int64_t unanswered_before_ms,
                                       std::int64_t waiting_before_ms, std::int64_t limit) const;

 private:
  std::string table_;
};

// Sends intents and settles them by their answers, per kind.
class IntentRunner {
 public:
  // What one send met: the verdict, and the answer's body (done) or the refusal or failure text.
  struct Sent {
    discovery::Verdict verdict = discovery::Verdict::kUnknown;
    std::string text;
  };
  struct Kind {
    std::function<boost::asio::awaitable<Sent>(const IntentRecord&)> send;
    // The business effect of the outcome, in the transaction that settles the intent (so both or
    // neither): never called twice for one intent.
    std::function<void(storage::Tx&, const IntentRecord&, const std::string& answer)> on_done;
    std::function<void(storage::Tx&, const IntentRecord&, const std::string& error)> on_refused;
  };
  struct Pass {
    std::int64_t sent = 0, done = 0, refused = 0, unanswered = 0;
  };

  // history: where an unanswered send and a refusal are noted under the intent's subject (none: not noted).
  IntentRunner(storage::Database& db, const Intents& intents, const History* history, Backoff backoff);
  // Every kind before the first send (the handlers are not guarded against change while in use).
  void add(const std::string& kind, Kind handler);

  // Sends one intent now — the request path's first send, right after recording it (find() it after
  // the commit) — and settles it by the answer; the intent as it stands after (as this call moved it; read back
  // only when another runner settled it meanwhile or settling failed). An intent not due
  // (waiting for its event, or settled meanwhile) is not sent: answered as it is.
  boost::asio::awaitable<IntentRecord> send(IntentRecord r, std::int64_t now_ms);
  // Every intent due at now_ms (at most `limit`), each sent and settled in turn (each at its own
  // time: now_ms plus the time the pass has taken). `keep`, when given, is asked before each send
  // and stops the pass when false — a JobLease's keep(), so a pass that outlives its lease stops.
  boost::asio::awaitable<Pass> run_due(std::int64_t now_ms, std::int64_t limit,
                                       std::function<boost::asio::awaitable<bool>()> keep = {});

  // A typed client's outcome as a send's result (`answer` serialises the done value).
  template <class T, class Serialize>
  static Sent sent(const discovery::Outcome<T>& o, Serialize answer) {
    if (const auto* v = std::get_if<T>(&o)) return {discovery::Verdict::kDone, answer(*v)};
    if (const auto* r = std::get_if<Refusal>(&o))
      return {discovery::Verdict::kRefused, std::to_string(r->status) + " " + r->code + " " + r->message};
    const auto& u = std::get<discovery::Unknown>(o);
    return {discovery::Verdict::kUnknown,
            u.status == 0 ? "无应答" : std::to_string(u.status) + " " + u.code + " " + u.message};
  }

 private:
  // Settles `r` by what its send met (an unknown outcome: not sent again before next_at_ms);
  // false when another runner had settled it.
  boost::asio::awaitable<bool> settle(const IntentRecord& r, const Sent& s, std::int64_t now_ms,
                                      std::int64_t next_at_ms);

  storage::Database& db_;
  const Intents& intents_;
  const History* history_;
  Backoff backoff_;
  std::map<std::string, Kind> kinds_;
};

}  // namespace zt::core::workflow
