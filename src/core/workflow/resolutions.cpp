#include "core/workflow/resolutions.hpp"

#include <exception>

#include "core/util/error.hpp"
#include "core/workflow/names.hpp"

namespace zt::core::workflow {

Resolutions::Resolutions(Names names, std::int64_t taken_over_after_ms)
    : names_(std::move(names)), taken_over_after_ms_(taken_over_after_ms) {
  const std::string& t = sql_name(names_.table);
  const std::string& subject = sql_name(names_.subject);
  if (names_.prefix.empty()) throw std::invalid_argument("Resolutions: the service's code prefix is empty");
  insert_ = "INSERT INTO " + t + " (idempotency_key, staff, " + subject +
            ", fingerprint, result, created_at_ms) VALUES (?, ?, ?, ?, '', ?) ON CONFLICT (idempotency_key) DO NOTHING";
  // The same resolution claimed long ago and never finished (its instance died while acting).
  take_over_ = "UPDATE " + t +
               " SET created_at_ms = ? WHERE idempotency_key = ? AND result = '' AND created_at_ms < ? AND staff = ? "
               "AND fingerprint = ?";
  select_ = "SELECT staff, fingerprint, result FROM " + t + " WHERE idempotency_key = ?";
  // The first to finish keeps its answer (a slow first resolver after a take-over changes nothing).
  done_ = "UPDATE " + t + " SET result = ? WHERE idempotency_key = ? AND result = ''";
  give_back_ = "DELETE FROM " + t + " WHERE idempotency_key = ? AND result = ''";
}

std::optional<Resolutions::Claim> Resolutions::find(storage::Tx& tx, const std::string& key) const {
  const auto rows = tx.query(select_, {key});
  if (rows.empty()) return std::nullopt;
  return Claim{rows.at(0).string(0), rows.at(0).string(1), rows.at(0).string(2)};
}

std::optional<Resolutions::Claim> Resolutions::claim(storage::Tx& tx, const std::string& key, const std::string& staff,
                                                     const std::string& subject, const std::string& fingerprint,
                                                     std::int64_t now_ms) const {
  if (tx.exec(insert_, {key, staff, subject, fingerprint, now_ms}) > 0) return std::nullopt;
  if (tx.exec(take_over_, {now_ms, key, now_ms - taken_over_after_ms_, staff, fingerprint}) > 0) return std::nullopt;
  // Claimed and rolled back meanwhile: not this one's (answered as another resolution's key).
  return find(tx, key).value_or(Claim{"", "", ""});
}

bool Resolutions::done(storage::Tx& tx, const std::string& key, const std::string& result) const {
  return tx.exec(done_, {result, key}) > 0;
}

void Resolutions::give_back(storage::Tx& tx, const std::string& key) const { tx.exec(give_back_, {key}); }

const std::string& Resolutions::answer(const Claim& earlier, const std::string& staff,
                                       const std::string& fingerprint) const {
  if (earlier.staff != staff || earlier.fingerprint != fingerprint)
    throw ApiError(422, names_.prefix + "_IDEMPOTENCY_KEY_REUSED",
                   "该 Idempotency-Key 已用于另一次处理，请重新打开处理窗口");
  if (earlier.result.empty())
    throw ApiError(409, names_.prefix + "_RESOLUTION_IN_PROGRESS", "该处理正在进行，请稍后刷新列表查看结果");
  return earlier.result;
}

boost::asio::awaitable<std::string> Resolutions::run(storage::Database& db, Resolve r, std::int64_t now_ms) const {
  auto earlier = co_await db.write([&](storage::Tx& tx) -> std::optional<Claim> {
    // A resolution already made under this key answers first, whatever the item's state is now
    // (the first one changed it).
    if (auto seen = find(tx, r.key); seen && !seen->result.empty()) return seen;
    r.judge(tx);
    if (auto seen = claim(tx, r.key, r.staff, r.subject, r.fingerprint, now_ms)) return seen;
    r.begin(tx);
    return std::nullopt;
  });
  if (earlier) co_return answer(*earlier, r.staff, r.fingerprint);

  std::exception_ptr failed;
  try {
    co_await r.act();
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed) {
    std::string what = "未知错误";
    try {
      std::rethrow_exception(failed);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    co_await db.write([&](storage::Tx& tx) {
      give_back(tx, r.key);
      r.abandoned(tx, what);
    });
    std::rethrow_exception(failed);
  }
  std::string kept = co_await db.write([&](storage::Tx& tx) {
    std::string answer = r.finish(tx);
    if (done(tx, r.key, answer)) return answer;
    // Another call finished it first (it took this claim over): its answer stands.
    const auto kept = find(tx, r.key);
    return kept ? kept->result : answer;
  });
  co_return kept;
}

}  // namespace zt::core::workflow
