#include "platform/observer/store/span_store.hpp"

#include "core/util/hex.hpp"
#include "platform/observer/store/bulk_insert.hpp"

#include <algorithm>

namespace zt::platform::observer {

namespace {

using core::observe::Attribute;


boost::json::value value_of(const Attribute& a) {
  return std::visit([](const auto& v) -> boost::json::value { return boost::json::value(v); }, a.value);
}

std::string events_json(const std::vector<core::observe::SpanEvent>& events) {
  boost::json::array out;
  for (const auto& e : events)
    out.push_back(boost::json::object{{"name", e.name},
                                      {"time_unix_nano", std::to_string(e.time_unix_nano)},
                                      {"attributes", attributes_json(e.attributes)}});
  return boost::json::serialize(out);
}

const char* kind_name(int kind) {
  static constexpr const char* kNames[] = {"unspecified", "internal", "server", "client", "producer", "consumer"};
  return kind >= 0 && kind < 6 ? kNames[kind] : "unspecified";
}
const char* status_name(int status) {
  static constexpr const char* kNames[] = {"unset", "ok", "error"};
  return status >= 0 && status < 3 ? kNames[status] : "unset";
}

}  // namespace

boost::json::object attributes_json(const std::vector<Attribute>& attributes) {
  boost::json::object o;
  for (const auto& a : attributes) o[a.key] = value_of(a);
  return o;
}

std::int64_t SpanStore::add(core::storage::Tx& tx, const std::vector<core::observe::SpanBatch>& batches,
                            std::int64_t received_at_ms, const std::string& sender) {
  BulkInsert in(tx,
                "INSERT INTO observer_spans (trace_id, span_id, parent_span_id, service, instance, name, kind, "
                "start_unix_nano, duration_ns, status, status_message, attributes, events, received_at_ms, sender) "
                "VALUES ",
                15, " ON CONFLICT DO NOTHING");  // the key: (trace_id, span_id, sender[, start_unix_nano])
  for (const auto& batch : batches) {
    for (const auto& s : batch.spans) {
      const bool root =
          std::all_of(s.parent_span_id.begin(), s.parent_span_id.end(), [](std::uint8_t b) { return b == 0; });
      in.add(core::to_hex(s.trace_id));
      in.add(core::to_hex(s.span_id));
      in.add(root ? std::string() : core::to_hex(s.parent_span_id));
      in.add(batch.source.service_name);
      in.add(batch.source.service_instance_id);
      in.add(s.name);
      in.add(static_cast<std::int64_t>(s.kind));
      in.add(nanos(s.start_unix_nano));
      in.add(s.end_unix_nano > s.start_unix_nano ? nanos(s.end_unix_nano - s.start_unix_nano) : std::int64_t{0});
      in.add(static_cast<std::int64_t>(s.status));
      in.add(s.status_message);
      in.add(boost::json::serialize(attributes_json(s.attributes)));
      in.add(events_json(s.events));
      in.add(received_at_ms);
      in.add(sender);
      in.end_row();
    }
  }
  return in.finish();
}

boost::json::array SpanStore::trace(core::storage::Tx& tx, const std::string& trace_id, std::int64_t limit) {
  boost::json::array out;
  const auto rows = tx.query(
      "SELECT span_id, parent_span_id, service, instance, name, kind, start_unix_nano, duration_ns, status, "
      "status_message, attributes, events, sender FROM observer_spans WHERE trace_id = ? "
      "ORDER BY start_unix_nano, span_id LIMIT ?",
      {trace_id, limit});
  for (const auto& r : rows) {
    boost::json::object span{{"span_id", r.string(0)},
                             {"parent_span_id", r.string(1)},
                             {"service", r.string(2)},
                             {"instance", r.string(3)},
                             {"name", r.string(4)},
                             {"kind", kind_name(static_cast<int>(r.int64(5)))},
                             {"start_unix_nano", std::to_string(r.int64(6))},
                             {"start_ms", r.int64(6) / 1'000'000},
                             {"duration_us", r.int64(7) / 1000},
                             {"status", status_name(static_cast<int>(r.int64(8)))},
                             {"status_message", r.string(9)},
                             {"attributes", boost::json::parse(r.string(10))},
                             {"events", boost::json::parse(r.string(11))},
                             {"sender", r.string(12)}};
    out.push_back(std::move(span));
  }
  return out;
}

boost::json::array SpanStore::search(core::storage::Tx& tx, const Search& q) {
  std::string sql =
      "SELECT trace_id, span_id, service, instance, name, start_unix_nano, duration_ns, status FROM observer_spans "
      "WHERE kind = 2 AND start_unix_nano >= ? AND start_unix_nano < ?";
  core::storage::Params params{q.from_unix_nano, q.to_unix_nano};
  if (q.service) {
    sql += " AND service = ?";
    params.emplace_back(*q.service);
  }
  if (q.endpoint) {
    sql += " AND name = ?";
    params.emplace_back(*q.endpoint);
  }
  if (q.errors_only) sql += " AND status = 2";
  if (q.min_duration_ns > 0) {
    sql += " AND duration_ns >= ?";
    params.emplace_back(q.min_duration_ns);
  }
  sql += " ORDER BY start_unix_nano DESC, span_id LIMIT ?";
  params.emplace_back(q.limit);
  boost::json::array out;
  for (const auto& r : tx.query(sql, params))
    out.push_back(boost::json::object{{"trace_id", r.string(0)},
                                      {"span_id", r.string(1)},
                                      {"service", r.string(2)},
                                      {"instance", r.string(3)},
                                      {"endpoint", r.string(4)},
                                      {"start_ms", r.int64(5) / 1'000'000},
                                      {"duration_us", r.int64(6) / 1000},
                                      {"status", status_name(static_cast<int>(r.int64(7)))}});
  return out;
}

std::int64_t SpanStore::purge_received_before(core::storage::Tx& tx, std::int64_t unix_ms, std::int64_t limit) {
  // On PostgreSQL only the default partition's rows go so: the day partitions go whole
  // (store/partitions.hpp).
  const std::string table = tx.dialect() == core::storage::Dialect::kPostgres ? "observer_spans_default" : "observer_spans";
  return tx.exec("DELETE FROM " + table + " WHERE (trace_id, span_id, sender) IN (SELECT trace_id, span_id, sender FROM " +
                     table + " WHERE received_at_ms < ? LIMIT ?)",
                 {unix_ms, limit});
}

}  // namespace zt::platform::observer
