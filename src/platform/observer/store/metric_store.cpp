#include "platform/observer/store/metric_store.hpp"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "core/util/hex.hpp"
#include "platform/observer/store/bulk_insert.hpp"

namespace zt::platform::observer {

namespace {

using core::observe::Figures;
using core::observe::LatencySketch;
using core::observe::SeriesKey;
using core::observe::SeriesScope;

// The hour a minute is in (both since the Unix epoch; minutes before it are negative hours).
std::int64_t hour_of(std::int64_t minute) { return minute >= 0 ? minute / 60 : -((-minute + 59) / 60); }

}  // namespace

void merge_into(Minutes& into, const Minutes& more) {
  for (const auto& [minute, series] : more) {
    auto& target = into[minute];
    for (const auto& [key, figures] : series) target[key].merge(figures);
  }
}

std::int64_t MetricStore::add(core::storage::Tx& tx, const Minutes& minutes, const std::string& part) {
  // A part written again adds nothing (the part is in the key).
  BulkInsert in(tx, "INSERT INTO observer_metrics (minute, scope, service, name, part, calls, errors, latency) VALUES ",
                8, " ON CONFLICT (minute, scope, service, name, part) DO NOTHING");
  for (const auto& [minute, series] : minutes)
    for (const auto& [key, figures] : series) {
      in.add(minute);
      in.add(static_cast<std::int64_t>(key.scope));
      in.add(key.service);
      in.add(key.name);
      in.add(part);
      in.add(static_cast<std::int64_t>(figures.calls));
      in.add(static_cast<std::int64_t>(figures.errors));
      in.add(core::to_hex(figures.latency.encode()));
      in.end_row();
    }
  const std::int64_t added = in.finish();
  // Each hour with rows here is (again) to be summed: its marker made dirty — an upsert with no
  // condition, hours in ascending order, so it waits for an observer summing the hour right now
  // (on its marker row) and marks it dirty after it; a sum taken after this commits sees these
  // rows. (A conditional update would miss a marker not committed yet, and the rows with it.)
  std::set<std::int64_t> hours;
  for (const auto& [minute, series] : minutes) hours.insert(hour_of(minute));
  if (added > 0)
    for (const auto h : hours)
      tx.exec(
          "INSERT INTO observer_metric_hours (hour, dirty, rolled_at_ms) VALUES (?, 1, 0) ON CONFLICT (hour) DO UPDATE "
          "SET dirty = 1",
          {h});
  return added;
}

namespace {

// A row's figures (columns 3, 4, 5: calls, errors, the sketch in hex); none when it cannot be read.
std::optional<Figures> figures_of(const core::storage::Row& r) {
  const auto bytes = core::from_hex(r.string(5));
  auto sketch = bytes ? LatencySketch::decode(*bytes) : std::nullopt;
  const auto calls = r.int64(3), errors = r.int64(4);
  if (!sketch || calls < 0 || errors < 0 || errors > calls) return std::nullopt;
  Figures f;
  f.calls = static_cast<std::uint64_t>(calls);
  f.errors = static_cast<std::uint64_t>(errors);
  f.latency = std::move(*sketch);
  return f;
}

// `select` narrowed to a scope (and a service) and `time` in [from, to); `table`: the columns'
// qualifier ("h." or none).
std::pair<std::string, core::storage::Params> series_query(std::string_view select, std::string_view table,
                                                           std::string_view time, SeriesScope scope,
                                                           const std::optional<std::string>& service, std::int64_t from,
                                                           std::int64_t to) {
  std::string sql = std::string(select) + " WHERE " + std::string(table) + "scope = ?";
  core::storage::Params params{static_cast<std::int64_t>(scope)};
  if (service) {
    sql += " AND " + std::string(table) + "service = ?";
    params.emplace_back(*service);
  }
  sql +=
      " AND " + std::string(table) + std::string(time) + " >= ? AND " + std::string(table) + std::string(time) + " < ?";
  params.emplace_back(from);
  params.emplace_back(to);
  return {sql, params};
}

// Each readable row of the range, handed to `use` (minute, key, figures).
template <class Use>
void each_row(core::storage::Tx& tx, SeriesScope scope, const std::optional<std::string>& service, std::int64_t from,
              std::int64_t to, std::size_t* unreadable, Use use) {
  const auto [sql, params] = series_query("SELECT minute, service, name, calls, errors, latency FROM observer_metrics",
                                          "", "minute", scope, service, from, to);
  for (const auto& r : tx.query(sql, params)) {
    const auto f = figures_of(r);
    if (!f) {
      if (unreadable) ++*unreadable;
      continue;
    }
    use(r.int64(0), SeriesKey{scope, r.string(1), r.string(2)}, *f);
  }
}

}  // namespace

std::map<SeriesKey, Figures> MetricStore::totals(core::storage::Tx& tx, SeriesScope scope,
                                                 const std::optional<std::string>& service, std::int64_t from,
                                                 std::int64_t to) {
  std::map<SeriesKey, Figures> out;
  const auto add = [&](std::int64_t, SeriesKey key, const Figures& f) { out[std::move(key)].merge(f); };
  // The hours wholly inside the range that are summed (and not dirty) are read from their hourly
  // rows, in one statement: the hours it returns are the ones whose minutes are left out (an hour
  // summed but empty has no minute rows either). Every other minute is read from the minutes.
  const std::int64_t first_hour = hour_of(from + 59), end_hour = hour_of(to);
  std::set<std::int64_t> summed;
  if (first_hour < end_hour) {
    const auto [sql, params] = series_query(
        "SELECT h.hour, h.service, h.name, h.calls, h.errors, h.latency FROM observer_metrics_hourly h "
        "JOIN observer_metric_hours m ON m.hour = h.hour AND m.dirty = 0",
        "h.", "hour", scope, service, first_hour, end_hour);
    for (const auto& r : tx.query(sql, params)) {
      const auto figures = figures_of(r);
      if (!figures) continue;
      summed.insert(r.int64(0));
      add(0, SeriesKey{scope, r.string(1), r.string(2)}, *figures);
    }
  }
  // The minutes outside the summed hours, a stretch at a time.
  std::int64_t at = from;
  for (const auto h : summed) {
    if (at < h * 60) each_row(tx, scope, service, at, h * 60, nullptr, add);
    at = std::max(at, (h + 1) * 60);
  }
  if (at < to) each_row(tx, scope, service, at, to, nullptr, add);
  return out;
}

bool MetricStore::roll_up_hour(core::storage::Tx& tx, std::int64_t hour, std::int64_t now_ms) {
  // One conditional statement takes the hour while it is dirty, locking its marker until this
  // commits (rows stored meanwhile wait for it, then mark it dirty again). Two observers at once:
  // the second waits for the first's row and then finds it clean. Every read below comes after
  // the marker is held, so no row of the hour commits between them.
  const auto taken = tx.query(
      "UPDATE observer_metric_hours SET dirty = 0, rolled_at_ms = ? WHERE hour = ? AND dirty = 1 RETURNING hour",
      {now_ms, hour});
  if (taken.empty()) return false;
  tx.exec("DELETE FROM observer_metrics_hourly WHERE hour = ?", {hour});
  BulkInsert in(tx, "INSERT INTO observer_metrics_hourly (hour, scope, service, name, calls, errors, latency) VALUES ",
                7, "");
  for (const auto scope : {SeriesScope::kService, SeriesScope::kInstance, SeriesScope::kEndpoint, SeriesScope::kEdge}) {
    std::map<SeriesKey, Figures> sums;
    each_row(tx, scope, std::nullopt, hour * 60, (hour + 1) * 60, nullptr,
             [&](std::int64_t, SeriesKey key, const Figures& f) { sums[std::move(key)].merge(f); });
    for (const auto& [key, figures] : sums) {
      in.add(hour);
      in.add(static_cast<std::int64_t>(key.scope));
      in.add(key.service);
      in.add(key.name);
      in.add(static_cast<std::int64_t>(figures.calls));
      in.add(static_cast<std::int64_t>(figures.errors));
      in.add(core::to_hex(figures.latency.encode()));
      in.end_row();
    }
  }
  in.finish();
  return true;
}

std::vector<std::int64_t> MetricStore::hours_to_roll(core::storage::Tx& tx, std::int64_t before_hour,
                                                     std::int64_t limit) {
  std::vector<std::int64_t> out;
  for (const auto& r :
       tx.query("SELECT hour FROM observer_metric_hours WHERE dirty = 1 AND hour < ? ORDER BY hour LIMIT ?",
                {before_hour, limit}))
    out.push_back(r.int64(0));
  return out;
}

Minutes MetricStore::read(core::storage::Tx& tx, SeriesScope scope, const std::optional<std::string>& service,
                          std::int64_t from, std::int64_t to, std::size_t* unreadable) {
  Minutes out;
  each_row(tx, scope, service, from, to, unreadable,
           [&](std::int64_t minute, SeriesKey key, const Figures& f) { out[minute][std::move(key)].merge(f); });
  return out;
}

std::int64_t MetricStore::purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit) {
  // Hours wholly before it go with their minutes (few rows: one an hour a series).
  const std::int64_t hour = hour_of(minute);
  tx.exec("DELETE FROM observer_metrics_hourly WHERE hour < ?", {hour});
  tx.exec("DELETE FROM observer_metric_hours WHERE hour < ?", {hour});
  return tx.exec(
      "DELETE FROM observer_metrics WHERE (minute, scope, service, name, part) IN (SELECT minute, scope, service, "
      "name, part "
      "FROM observer_metrics WHERE minute < ? LIMIT ?)",
      {minute, limit});
}

}  // namespace zt::platform::observer
