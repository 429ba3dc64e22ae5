#include "platform/observer/store/resource_store.hpp"

#include <algorithm>
#include <map>
#include <tuple>

#include "platform/observer/store/bulk_insert.hpp"

namespace zt::platform::observer {

namespace {

template <class T>
core::storage::Param param(const std::optional<T>& v) {
  if (!v) return core::storage::Null{};
  return *v;
}

// The higher of the row's and the new value, either being NULL (not sent).
std::string highest(const char* column) {
  return std::string(column) + " = COALESCE(CASE WHEN excluded." + column + " > observer_resources." + column +
         " THEN excluded." + column + " ELSE observer_resources." + column + " END, excluded." + column +
         ", observer_resources." + column + ")";
}

template <class T>
void keep_highest(std::optional<T>& into, const std::optional<T>& v) {
  if (v && (!into || *v > *into)) into = v;
}

}  // namespace

void ResourceStore::add(core::storage::Tx& tx, const std::vector<ResourceSample>& given) {
  // One row may be touched once a statement (PostgreSQL refuses an upsert that would touch a row
  // twice): samples of one row merged first.
  std::map<std::tuple<std::string, std::int64_t, std::string, std::string>, ResourceSample> rows;
  for (const auto& s : given) {
    auto [it, fresh] = rows.try_emplace({s.service, s.minute, s.instance, s.sender}, s);
    if (fresh) continue;
    auto& r = it->second;
    r.at_ms = std::max(r.at_ms, s.at_ms);
    keep_highest(r.cpu_cores, s.cpu_cores);
    keep_highest(r.rss_bytes, s.rss_bytes);
    keep_highest(r.open_fds, s.open_fds);
    keep_highest(r.max_fds, s.max_fds);
    keep_highest(r.threads, s.threads);
    keep_highest(r.io_busy_avg, s.io_busy_avg);
    keep_highest(r.io_busy_max, s.io_busy_max);
    keep_highest(r.blocking_queued, s.blocking_queued);
  }
  static const std::string tail = [] {
    std::string t =
        " ON CONFLICT (service, minute, instance, sender) DO UPDATE SET at_ms = CASE WHEN excluded.at_ms > "
        "observer_resources.at_ms THEN excluded.at_ms ELSE observer_resources.at_ms END";
    for (const char* c :
         {"cpu_cores", "rss_bytes", "open_fds", "max_fds", "threads", "io_busy_avg", "io_busy_max", "blocking_queued"})
      t += ", " + highest(c);
    return t;
  }();
  BulkInsert in(tx,
                "INSERT INTO observer_resources (minute, service, instance, sender, at_ms, cpu_cores, rss_bytes, "
                "open_fds, max_fds, threads, io_busy_avg, io_busy_max, blocking_queued) VALUES ",
                13, tail);
  for (const auto& [key, s] : rows) {
    in.add(s.minute);
    in.add(s.service);
    in.add(s.instance);
    in.add(s.sender);
    in.add(s.at_ms);
    in.add(param(s.cpu_cores));
    in.add(param(s.rss_bytes));
    in.add(param(s.open_fds));
    in.add(param(s.max_fds));
    in.add(param(s.threads));
    in.add(param(s.io_busy_avg));
    in.add(param(s.io_busy_max));
    in.add(param(s.blocking_queued));
    in.end_row();
  }
  in.finish();
}

namespace {

constexpr const char* kColumns =
    "SELECT minute, instance, at_ms, cpu_cores, rss_bytes, open_fds, max_fds, threads, io_busy_avg, io_busy_max, "
    "blocking_queued, sender, service FROM observer_resources ";

std::vector<ResourceSample> samples_of(const core::storage::Rows& rows) {
  std::vector<ResourceSample> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    ResourceSample s;
    s.service = row.string(12);
    s.minute = row.int64(0);
    s.instance = row.string(1);
    s.at_ms = row.int64(2);
    const auto real = [&](std::size_t i) { return row.is_null(i) ? std::nullopt : std::optional<double>(row.real(i)); };
    const auto whole = [&](std::size_t i) {
      return row.is_null(i) ? std::nullopt : std::optional<std::int64_t>(row.int64(i));
    };
    s.cpu_cores = real(3);
    s.rss_bytes = whole(4);
    s.open_fds = whole(5);
    s.max_fds = whole(6);
    s.threads = whole(7);
    s.io_busy_avg = real(8);
    s.io_busy_max = real(9);
    s.blocking_queued = whole(10);
    s.sender = row.string(11);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

std::vector<ResourceSample> ResourceStore::read(core::storage::Tx& tx, const std::string& service, std::int64_t from,
                                                std::int64_t to, std::int64_t limit) {
  return samples_of(tx.query(std::string(kColumns) +
                                 "WHERE service = ? AND minute >= ? AND minute < ? ORDER BY minute DESC, instance, "
                                 "sender LIMIT ?",
                             {service, from, to, limit}));
}

std::vector<ResourceSample> ResourceStore::read_all(core::storage::Tx& tx, std::int64_t from, std::int64_t to,
                                                    std::int64_t limit) {
  return samples_of(
      tx.query(std::string(kColumns) +
                   "WHERE minute >= ? AND minute < ? ORDER BY minute DESC, service, instance, sender LIMIT ?",
               {from, to, limit}));
}

std::int64_t ResourceStore::purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit) {
  return tx.exec(
      "DELETE FROM observer_resources WHERE (service, minute, instance, sender) IN (SELECT service, minute, instance, "
      "sender FROM observer_resources WHERE minute < ? LIMIT ?)",
      {minute, limit});
}

}  // namespace zt::platform::observer
