#include "core/workflow/intents.hpp"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "core/observe/log.hpp"
#include "core/storage/idempotency.hpp"
#include "core/util/digest.hpp"
#include "core/workflow/names.hpp"

namespace zt::core::workflow {

namespace {

constexpr const char* kColumns =
    "id, kind, subject, request, state, attempts, next_at_ms, wait_for, outcome, last_error, created_at_ms, "
    "updated_at_ms";

IntentRecord record_of(const storage::Row& r) {
  IntentRecord out;
  out.intent = Intent{r.string(0), r.string(1), r.string(2), r.string(3)};
  out.state = r.string(4);
  out.attempts = r.int64(5);
  out.next_at_ms = r.int64(6);
  out.wait_for = r.text(7);
  out.outcome = r.text(8);
  out.last_error = r.text(9);
  out.created_at_ms = r.int64(10);
  out.updated_at_ms = r.int64(11);
  return out;
}

// The intent as one conditional update moved it (done(), refused() or unanswered()), without
// reading it back.
IntentRecord moved(IntentRecord r, const IntentRunner::Sent& s, std::int64_t at_ms, std::int64_t next_at_ms) {
  r.updated_at_ms = at_ms;
  switch (s.verdict) {
    case discovery::Verdict::kDone:
      r.state = "done";
      r.outcome = s.text;
      break;
    case discovery::Verdict::kRefused:
      r.state = "refused";
      r.outcome = s.text;
      break;
    case discovery::Verdict::kUnknown:
      ++r.attempts;
      r.last_error = s.text;
      r.next_at_ms = next_at_ms;
      break;
  }
  return r;
}

std::vector<IntentRecord> records_of(const storage::Rows& rows) {
  std::vector<IntentRecord> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(record_of(r));
  return out;
}

}  // namespace

std::chrono::milliseconds Backoff::after(const std::string& id, std::int64_t attempts) const {
  std::int64_t wait = first.count();
  for (std::int64_t i = 1; i < attempts && wait < most.count(); ++i) wait *= 2;
  wait = std::min<std::int64_t>(wait, most.count());
  // Up to a fifth more, by the id: the same intent and attempt always wait alike.
  const std::string h = sha256_hex(id + "#" + std::to_string(attempts));
  const auto spread = static_cast<std::int64_t>(std::stoul(h.substr(0, 6), nullptr, 16) % 1000);
  return std::chrono::milliseconds(wait + wait / 5 * spread / 1000);
}

Intents::Intents(std::string table) : table_(sql_name(table)) {}

bool Intents::record(storage::Tx& tx, const Intent& in, std::int64_t now_ms,
                     const std::optional<std::string>& wait_for) const {
  if (!storage::valid_request_id(in.id)) throw std::logic_error("intent id is not a request id: '" + in.id + "'");
  if (in.kind.empty()) throw std::logic_error("intent " + in.id + " has no kind");
  const storage::Param waiting = wait_for ? storage::Param{*wait_for} : storage::Param{storage::Null{}};
  if (tx.exec("INSERT INTO " + table_ + " (" + kColumns +
                  ") VALUES (?, ?, ?, ?, 'due', 0, ?, ?, NULL, NULL, ?, ?) ON CONFLICT (id) DO NOTHING",
              {in.id, in.kind, in.subject, in.request, now_ms, waiting, now_ms, now_ms}) > 0)
    return true;
  const auto seen = find(tx, in.id);
  if (!seen)
    throw storage::StorageError(storage::StorageError::Kind::kUniqueViolation,
                                "intent " + in.id + " is being recorded by another call");
  if (seen->intent.kind != in.kind || seen->intent.request != in.request || seen->intent.subject != in.subject)
    throw std::logic_error("request id " + in.id + " reused for another request");
  return false;
}

std::optional<IntentRecord> Intents::find(storage::Tx& tx, const std::string& id) const {
  auto rows = tx.query(std::string("SELECT ") + kColumns + " FROM " + table_ + " WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return record_of(rows.at(0));
}

std::vector<IntentRecord> Intents::of(storage::Tx& tx, const std::string& subject) const {
  return records_of(
      tx.query(std::string("SELECT ") + kColumns + " FROM " + table_ + " WHERE subject = ? ORDER BY created_at_ms, id",
               {subject}));
}

std::vector<IntentRecord> Intents::due(storage::Tx& tx, std::int64_t now_ms, std::int64_t limit) const {
  return records_of(tx.query(std::string("SELECT ") + kColumns + " FROM " + table_ +
                                 " WHERE state = 'due' AND wait_for IS NULL AND next_at_ms <= ? "
                                 "ORDER BY next_at_ms, id LIMIT ?",
                             {now_ms, limit}));
}

bool Intents::done(storage::Tx& tx, const std::string& id, const std::string& answer, std::int64_t now_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET state = 'done', outcome = ?, updated_at_ms = ? WHERE id = ? AND state = 'due' AND "
                     "wait_for IS NULL",
                 {answer, now_ms, id}) > 0;
}

bool Intents::refused(storage::Tx& tx, const std::string& id, const std::string& error, std::int64_t now_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET state = 'refused', outcome = ?, updated_at_ms = ? WHERE id = ? AND state = 'due' AND "
                     "wait_for IS NULL",
                 {error, now_ms, id}) > 0;
}

bool Intents::unanswered(storage::Tx& tx, const std::string& id, const std::string& error, std::int64_t now_ms,
                         std::int64_t next_at_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET attempts = attempts + 1, last_error = ?, next_at_ms = ?, updated_at_ms = ? WHERE id = ? "
                     "AND state = 'due' AND wait_for IS NULL",
                 {error, next_at_ms, now_ms, id}) > 0;
}

bool Intents::retry_now(storage::Tx& tx, const std::string& id, std::int64_t now_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET next_at_ms = ?, updated_at_ms = ? WHERE id = ? AND state = 'due' AND wait_for IS NULL",
                 {now_ms, now_ms, id}) > 0;
}

bool Intents::voided(storage::Tx& tx, const std::string& id, const std::string& reason, std::int64_t now_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET state = 'voided', outcome = ?, updated_at_ms = ? WHERE id = ? AND state = 'due'",
                 {reason, now_ms, id}) > 0;
}

std::int64_t Intents::release(storage::Tx& tx, const std::string& event, std::int64_t now_ms) const {
  return tx.exec("UPDATE " + table_ +
                     " SET wait_for = NULL, next_at_ms = ?, updated_at_ms = ? WHERE state = 'due' AND wait_for = ?",
                 {now_ms, now_ms, event});
}

namespace {
// The two kinds of stuck intent, as conditions: what the count and the list both read.
std::string stuck_where(const char* kind) {
  // Unanswered: not settled since before the bound, tried or not (a runner that never ran counts).
  return std::string(kind) == "unanswered" ? "state = 'due' AND wait_for IS NULL AND created_at_ms < ?"
                                           : "state = 'due' AND wait_for IS NOT NULL AND updated_at_ms < ?";
}
}  // namespace

StuckFigures Intents::stuck(storage::Tx& tx, std::int64_t unanswered_before_ms, std::int64_t waiting_before_ms) const {
  StuckFigures out;
  const auto counts = tx.query_all({storage::Statement{"SELECT COUNT(*), COALESCE(MIN(created_at_ms), 0) FROM " +
                                                           table_ + " WHERE " + stuck_where("unanswered"),
                                                       {unanswered_before_ms}},
                                    storage::Statement{"SELECT COUNT(*), COALESCE(MIN(created_at_ms), 0) FROM " +
                                                           table_ + " WHERE " + stuck_where("waiting"),
                                                       {waiting_before_ms}}});
  out["unanswered"] = StuckCount{counts.at(0).at(0).int64(0), counts.at(0).at(0).int64(1)};
  out["waiting"] = StuckCount{counts.at(1).at(0).int64(0), counts.at(1).at(0).int64(1)};
  return out;
}

std::vector<IntentRecord> Intents::stuck_list(storage::Tx& tx, std::int64_t unanswered_before_ms,
                                              std::int64_t waiting_before_ms, std::int64_t limit) const {
  return records_of(tx.query(std::string("SELECT ") + kColumns + " FROM " + table_ + " WHERE (" +
                                 stuck_where("unanswered") + ") OR (" + stuck_where("waiting") +
                                 ") ORDER BY created_at_ms, id LIMIT ?",
                             {unanswered_before_ms, waiting_before_ms, limit}));
}

IntentRunner::IntentRunner(storage::Database& db, const Intents& intents, const History* history, Backoff backoff)
    : db_(db), intents_(intents), history_(history), backoff_(backoff) {}

void IntentRunner::add(const std::string& kind, Kind handler) {
  if (!handler.send || !handler.on_done || !handler.on_refused)
    throw std::logic_error("intent kind " + kind + ": send, on_done and on_refused are all needed");
  kinds_[kind] = std::move(handler);
}

boost::asio::awaitable<bool> IntentRunner::settle(const IntentRecord& r, const Sent& s, std::int64_t now_ms,
                                                  std::int64_t next_at) {
  const auto it = kinds_.find(r.intent.kind);
  const std::string& id = r.intent.id;
  const bool settled = co_await db_.write([&](storage::Tx& tx) {
    switch (s.verdict) {
      case discovery::Verdict::kDone:
        if (!intents_.done(tx, id, s.text, now_ms)) return false;
        it->second.on_done(tx, r, s.text);
        return true;
      case discovery::Verdict::kRefused:
        if (!intents_.refused(tx, id, s.text, now_ms)) return false;
        it->second.on_refused(tx, r, s.text);
        if (history_)
          history_->note(tx, r.intent.subject, "refused", r.intent.kind + ": " + s.text, history_->system(), now_ms);
        return true;
      case discovery::Verdict::kUnknown:
        break;
    }
    if (!intents_.unanswered(tx, id, s.text, now_ms, next_at)) return false;
    if (history_)
      history_->note(tx, r.intent.subject, "unanswered", r.intent.kind + ": " + s.text, history_->system(), now_ms);
    return true;
  });
  co_return settled;
}

boost::asio::awaitable<IntentRecord> IntentRunner::send(IntentRecord r, std::int64_t now_ms) {
  // Only a due intent is sent: one waiting for its event, or settled meanwhile, is answered as it is.
  if (r.state != "due" || r.wait_for) co_return r;
  const auto started = std::chrono::steady_clock::now();
  Sent s;
  const auto it = kinds_.find(r.intent.kind);
  if (it == kinds_.end()) {
    // A kind this build no longer knows: logged, and it goes behind the others as unanswered,
    // counted stuck in time — never at the head of every pass.
    log::error("intent {}: no handler for kind {}", r.intent.id, r.intent.kind);
    s = {discovery::Verdict::kUnknown, "no handler for intent kind " + r.intent.kind};
  } else {
    std::string failure;
    try {
      s = co_await it->second.send(r);
    } catch (const std::exception& e) {
      // Whatever the send met before or after reaching the other end: unknown, sent again.
      failure = e.what();
    } catch (...) {
      failure = "未知错误";
    }
    if (!failure.empty()) s = {discovery::Verdict::kUnknown, failure};
  }
  // The answer's time: the send may have taken a while (a timeout), and the backoff runs from it.
  const std::int64_t answered_ms =
      now_ms +
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  const std::string id = r.intent.id;
  const std::int64_t next_at = answered_ms + backoff_.after(id, r.attempts + 1).count();
  std::string failure;
  bool settled = false;
  try {
    settled = co_await settle(r, s, answered_ms, next_at);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (settled) co_return moved(std::move(r), s, answered_ms, next_at);
  if (!failure.empty()) {
    // The answer came but settling it failed (the business effect refused, the database lost):
    // nothing of it was kept; sent again after the backoff (the other end repeats its answer),
    // behind the others.
    log::error("intent {}: its answer could not be settled ({}); sent again later", id, failure);
    const Sent noted{discovery::Verdict::kUnknown, "结果未能入账：" + failure};
    bool kept = false;
    try {
      kept = co_await db_.write(
          [&](storage::Tx& tx) { return intents_.unanswered(tx, id, noted.text, answered_ms, next_at); });
    } catch (const std::exception& e) {
      log::error("intent {}: not noted either ({}); due as it was", id, e.what());
    }
    if (kept) co_return moved(std::move(r), noted, answered_ms, next_at);
  } else {
    log::info("intent {}: settled by another runner meanwhile (its answer here: {})", id, s.text);
  }
  // Moved by another runner, or not noted: as the database has it.
  auto now = co_await db_.read([&](storage::Tx& tx) { return intents_.find(tx, id); });
  co_return now.value_or(r);
}

boost::asio::awaitable<IntentRunner::Pass> IntentRunner::run_due(std::int64_t now_ms, std::int64_t limit,
                                                                 std::function<boost::asio::awaitable<bool>()> keep) {
  auto due = co_await db_.read([&](storage::Tx& tx) { return intents_.due(tx, now_ms, limit); });
  const auto started = std::chrono::steady_clock::now();
  Pass pass;
  for (const auto& r : due) {
    // Before each send: the pass stops when its lease went to another instance.
    if (keep) {
      const bool still_mine = co_await keep();
      if (!still_mine) break;
    }
    const std::int64_t at =
        now_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    const IntentRecord after = co_await send(r, at);
    ++pass.sent;
    if (after.state == "done")
      ++pass.done;
    else if (after.state == "refused")
      ++pass.refused;
    else if (after.state == "due")
      ++pass.unanswered;
  }
  co_return pass;
}

}  // namespace zt::core::workflow
