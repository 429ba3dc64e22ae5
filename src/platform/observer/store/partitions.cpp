#include "platform/observer/store/partitions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace zt::platform::observer {

namespace {

constexpr std::int64_t kDayNanos = 86'400LL * 1'000'000'000LL;

bool postgres(core::storage::Tx& tx) { return tx.dialect() == core::storage::Dialect::kPostgres; }

// Observers creating or dropping partitions at once take turns (the same key everywhere).
void serialise(core::storage::Tx& tx) { tx.query("SELECT pg_advisory_xact_lock(7478224)"); }

bool exists(core::storage::Tx& tx, const std::string& name) {
  return tx.query("SELECT to_regclass(?) IS NOT NULL", {name}).at(0).boolean(0);
}

}  // namespace

std::string Partitions::name(DayPartitioned t, std::int64_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  return fmt::format("{}_d{:04}{:02}{:02}", t.table, static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::vector<std::int64_t> Partitions::days(core::storage::Tx& tx, DayPartitioned t) {
  std::vector<std::int64_t> out;
  if (!postgres(tx)) return out;
  // Each partition's lower bound, from its own bound expression ("FOR VALUES FROM (x) TO (y)").
  const auto rows = tx.query(
      "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE "
      "i.inhparent = to_regclass(?)",
      {std::string(t.table)});
  for (const auto& row : rows) {
    const std::string bound = row.string(0);
    const auto open = bound.find("FROM ('");
    const auto open_plain = bound.find("FROM (");
    if (open_plain == std::string::npos) continue;  // the default partition
    const std::size_t at = open != std::string::npos ? open + 7 : open_plain + 6;
    try {
      const std::int64_t from = std::stoll(bound.substr(at));
      if (from % kDayNanos == 0) out.push_back(from / kDayNanos);
    } catch (const std::exception&) {
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Partitions::create(core::storage::Tx& tx, DayPartitioned t, std::int64_t day) {
  if (!postgres(tx)) return false;
  serialise(tx);
  const std::string part = name(t, day);
  if (exists(tx, part)) return false;
  const std::int64_t from = day * kDayNanos, to = from + kDayNanos;
  // Made apart, filled with what the default partition holds of its day, then attached: attaching
  // checks the default partition holds none of it any more.
  tx.exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)", part, t.table));
  tx.exec(fmt::format("WITH moved AS (DELETE FROM {0}_default WHERE {1} >= ? AND {1} < ? RETURNING *) INSERT INTO {2} "
                      "SELECT * FROM moved",
                      t.table, t.column, part),
          {from, to});
  tx.exec(fmt::format("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM ({}) TO ({})", t.table, part, from, to));
  return true;
}

bool Partitions::drop(core::storage::Tx& tx, DayPartitioned t, std::int64_t day) {
  if (!postgres(tx)) return false;
  serialise(tx);
  const std::string part = name(t, day);
  if (!exists(tx, part)) return false;
  tx.exec(fmt::format("DROP TABLE {}", part));
  return true;
}

}  // namespace zt::platform::observer
