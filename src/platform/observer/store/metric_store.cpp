#include "platform/observer/store/metric_store.hpp"

#include "platform/observer/store/bulk_insert.hpp"

#include "core/util/hex.hpp"

#include <string_view>
#include <vector>

namespace zt::platform::observer {

namespace {

using core::observe::Figures;
using core::observe::LatencySketch;
using core::observe::SeriesKey;
using core::observe::SeriesScope;

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
  return in.finish();
}

namespace {

// Each readable row of the range, handed to `use` (minute, key, figures).
template <class Use>
void each_row(core::storage::Tx& tx, SeriesScope scope, const std::optional<std::string>& service, std::int64_t from,
              std::int64_t to, std::size_t* unreadable, Use use) {
  std::string sql = "SELECT minute, service, name, calls, errors, latency FROM observer_metrics WHERE scope = ?";
  core::storage::Params params{static_cast<std::int64_t>(scope)};
  if (service) {
    sql += " AND service = ?";
    params.emplace_back(*service);
  }
  sql += " AND minute >= ? AND minute < ?";
  params.emplace_back(from);
  params.emplace_back(to);
  for (const auto& r : tx.query(sql, params)) {
    const auto bytes = core::from_hex(r.string(5));
    auto sketch = bytes ? LatencySketch::decode(*bytes) : std::nullopt;
    const auto calls = r.int64(3), errors = r.int64(4);
    if (!sketch || calls < 0 || errors < 0 || errors > calls) {
      if (unreadable) ++*unreadable;
      continue;
    }
    Figures f;
    f.calls = static_cast<std::uint64_t>(calls);
    f.errors = static_cast<std::uint64_t>(errors);
    f.latency = std::move(*sketch);
    use(r.int64(0), SeriesKey{scope, r.string(1), r.string(2)}, f);
  }
}

}  // namespace

std::map<SeriesKey, Figures> MetricStore::totals(core::storage::Tx& tx, SeriesScope scope,
                                                 const std::optional<std::string>& service, std::int64_t from,
                                                 std::int64_t to) {
  std::map<SeriesKey, Figures> out;
  each_row(tx, scope, service, from, to, nullptr,
           [&](std::int64_t, SeriesKey key, const Figures& f) { out[std::move(key)].merge(f); });
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
  return tx.exec(
      "DELETE FROM observer_metrics WHERE (minute, scope, service, name, part) IN (SELECT minute, scope, service, "
      "name, part "
      "FROM observer_metrics WHERE minute < ? LIMIT ?)",
      {minute, limit});
}

}  // namespace zt::platform::observer
