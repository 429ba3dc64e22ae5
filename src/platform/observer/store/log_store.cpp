#include "platform/observer/store/log_store.hpp"

#include <algorithm>

#include "core/util/digest.hpp"
#include "core/util/hex.hpp"
#include "platform/observer/store/bulk_insert.hpp"
#include "platform/observer/store/span_store.hpp"

namespace zt::platform::observer {

namespace {



template <std::size_t N>
std::string id_hex(const std::array<std::uint8_t, N>& id) {
  return std::all_of(id.begin(), id.end(), [](std::uint8_t b) { return b == 0; }) ? std::string() : core::to_hex(id);
}

const char* level_name(std::int64_t severity) {
  if (severity >= 21) return "fatal";
  if (severity >= 17) return "error";
  if (severity >= 13) return "warn";
  if (severity >= 9) return "info";
  if (severity >= 5) return "debug";
  return severity >= 1 ? "trace" : "unspecified";
}

// `text` for a LIKE pattern: its own %, _ and \ matched as themselves (ESCAPE '\').
std::string like_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return out;
}

}  // namespace

std::int64_t LogStore::add(core::storage::Tx& tx, const std::vector<core::observe::LogBatch>& batches,
                           std::int64_t received_at_ms, const std::string& sender) {
  BulkInsert in(tx,
                "INSERT INTO observer_logs (record_key, sender, service, instance, time_unix_nano, severity, "
                "severity_text, body, attributes, trace_id, span_id, received_at_ms) VALUES ",
                12, " ON CONFLICT DO NOTHING");  // the key: (record_key, sender[, time_unix_nano])
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const auto& batch = batches[b];
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
      const auto& l = batch.records[i];
      // A record without its own time is placed when it was observed, else when it came.
      const std::uint64_t time = l.time_unix_nano            ? l.time_unix_nano
                                 : l.observed_time_unix_nano ? l.observed_time_unix_nano
                                                             : static_cast<std::uint64_t>(received_at_ms) * 1'000'000;
      const std::string attributes = boost::json::serialize(attributes_json(l.attributes));
      const std::string trace_id = id_hex(l.trace_id), span_id = id_hex(l.span_id);
      // The record as it was sent and where it was in the request, so the same request sent again
      // adds nothing while two equal lines of one request are both kept. A record without a time
      // of its own is keyed by when it came: one sent again later is stored twice rather than a
      // new one with the same text lost.
      const bool timed = l.time_unix_nano != 0 || l.observed_time_unix_nano != 0;
      std::string identity = batch.source.service_name;
      for (const auto& part :
           {batch.source.service_instance_id, std::to_string(l.time_unix_nano), std::to_string(l.observed_time_unix_nano),
            timed ? std::string() : std::to_string(received_at_ms), std::to_string(l.severity_number), l.severity_text,
            trace_id, span_id, l.body, attributes, std::to_string(b), std::to_string(i)}) {
        identity.push_back('\x1f');
        identity += part;
      }
      in.add(core::sha256_hex(identity).substr(0, 32));
      in.add(sender);
      in.add(batch.source.service_name);
      in.add(batch.source.service_instance_id);
      in.add(nanos(time));
      in.add(static_cast<std::int64_t>(l.severity_number));
      in.add(l.severity_text);
      in.add(l.body);
      in.add(attributes);
      in.add(trace_id);
      in.add(span_id);
      in.add(received_at_ms);
      in.end_row();
    }
  }
  return in.finish();
}

boost::json::array LogStore::search(core::storage::Tx& tx, const Search& q) {
  std::string sql =
      "SELECT time_unix_nano, service, instance, severity, severity_text, body, attributes, trace_id, span_id, "
      "sender FROM observer_logs WHERE time_unix_nano >= ? AND time_unix_nano < ?";
  core::storage::Params params{q.from_unix_nano, q.to_unix_nano};
  if (q.trace_id) {
    sql += " AND trace_id = ?";
    params.emplace_back(*q.trace_id);
  }
  if (q.service) {
    sql += " AND service = ?";
    params.emplace_back(*q.service);
  }
  if (q.min_severity > 0) {
    sql += " AND severity >= ?";
    params.emplace_back(static_cast<std::int64_t>(q.min_severity));
  }
  for (const auto& w : q.words) {
    sql += " AND LOWER(body) LIKE ? ESCAPE '\\'";
    params.emplace_back("%" + like_escaped(w) + "%");
  }
  sql += q.oldest_first ? " ORDER BY time_unix_nano, record_key LIMIT ?"
                        : " ORDER BY time_unix_nano DESC, record_key LIMIT ?";
  params.emplace_back(q.limit);
  boost::json::array out;
  for (const auto& r : tx.query(sql, params))
    out.push_back(boost::json::object{{"time_unix_nano", std::to_string(r.int64(0))},
                                      {"time_ms", r.int64(0) / 1'000'000},
                                      {"service", r.string(1)},
                                      {"instance", r.string(2)},
                                      {"level", level_name(r.int64(3))},
                                      {"severity_number", r.int64(3)},
                                      {"severity_text", r.string(4)},
                                      {"body", r.string(5)},
                                      {"attributes", boost::json::parse(r.string(6))},
                                      {"trace_id", r.string(7)},
                                      {"span_id", r.string(8)},
                                      {"sender", r.string(9)}});
  return out;
}

std::int64_t LogStore::purge_received_before(core::storage::Tx& tx, std::int64_t unix_ms, std::int64_t limit) {
  // On PostgreSQL only the default partition's rows go so: the day partitions go whole
  // (store/partitions.hpp).
  const std::string table = tx.dialect() == core::storage::Dialect::kPostgres ? "observer_logs_default" : "observer_logs";
  return tx.exec("DELETE FROM " + table + " WHERE (record_key, sender) IN (SELECT record_key, sender FROM " + table +
                     " WHERE received_at_ms < ? LIMIT ?)",
                 {unix_ms, limit});
}

}  // namespace zt::platform::observer
