#pragma once
// The audit trail each service keeps in a table of its own (`<service>_audit`): who did what, to
// what, for which customer, from which address, in which trace. Append-only; read newest first
// with the same filters and the same entry shape in every service, so the console shows one trail
// across all of them (issue 28).
//
// The table (each service's migration creates it with these columns and indexes):
//   id TEXT PRIMARY KEY, at_ms BIGINT, actor TEXT, customer TEXT, action TEXT, subject TEXT,
//   detail TEXT, ip TEXT, trace_id TEXT;  indexes (at_ms), (actor, at_ms), (customer, at_ms)
//
//   const AuditTrail trail("mall_audit", "MA");
//   trail.record(tx, {.actor = who.id, .customer = c, .action = "order.placed", .subject = id, ...});
//   auto page = trail.page(tx, query, "MALL");  // a page, or 400 MALL_BAD_CURSOR
#include <boost/describe/class.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/storage/database.hpp"
#include "core/util/refusal.hpp"

namespace zt::core::storage {

struct AuditEntry {
  std::string id;  // assigned by record() when empty
  std::int64_t at_ms = 0;
  std::string actor;     // a staff id, a customer id, or the service acting by itself ("mall")
  std::string customer;  // the customer whose state or data the action concerns ("" for none)
  std::string action;    // "order.placed", "product.published" …
  std::string subject;   // what it acted on: an order id, a product code, an application
  std::string detail;
  std::string ip;  // the end caller's address ("" when a service acted by itself)
  std::string trace_id;
};
BOOST_DESCRIBE_STRUCT(AuditEntry, (), (id, at_ms, actor, customer, action, subject, detail, ip, trace_id))

struct AuditPage {
  std::vector<AuditEntry> items;  // newest first
  std::string next_cursor;        // "" at the end
};
BOOST_DESCRIBE_STRUCT(AuditPage, (), (items, next_cursor))

struct AuditQuery {
  std::string actor;     // exact, "" for any
  std::string customer;  // exact
  std::string action;    // exact, or a prefix ending in '.' ("order.")
  std::string subject;   // exact
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;  // exclusive; 0 for no end
  std::string cursor;      // the previous page's next_cursor
  int limit = 50;          // 1 to 200
};

// The query of an audit route from its query parameters (`param(name)`: actor, customer, action,
// subject, from_ms, to_ms, cursor, limit). A number that does not parse is refused with 400
// `<code_prefix>_BAD_QUERY`, a cursor that is no page's with `<code_prefix>_BAD_CURSOR`; the limit
// is held to 1–200.
std::variant<AuditQuery, Refusal> audit_query(const std::function<std::optional<std::string>(const char*)>& param,
                                              std::string_view code_prefix);

class AuditTrail {
 public:
  AuditTrail(std::string table, std::string id_prefix) : table_(std::move(table)), id_prefix_(std::move(id_prefix)) {}

  // Appended inside the caller's transaction (sent with its next statement or its COMMIT: no
  // round trip of its own), so the entry exists exactly when the change it describes does.
  void record(Tx& tx, AuditEntry entry) const;
  // A page newest first; a cursor that is not one of ours is refused (400 `<code_prefix>_BAD_CURSOR`).
  std::variant<AuditPage, Refusal> page(Tx& tx, const AuditQuery& query, std::string_view code_prefix) const;

 private:
  std::string table_;
  std::string id_prefix_;
};

}  // namespace zt::core::storage
