#include "core/storage/audit_trail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/observe/ordered_id.hpp"
#include "core/observe/trace.hpp"

namespace zt::core::storage {

namespace {

Refusal bad_query(std::string_view prefix, std::string_view what) {
  return Refusal{400, std::string(prefix) + "_BAD_QUERY", fmt::format("查询参数不合法：{}", what)};
}

// A whole non-negative decimal number, nothing around it.
std::optional<std::int64_t> whole_number(std::string_view s) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size() || n < 0) return std::nullopt;
  return n;
}

// "<at_ms>.<id>" of the last entry a page showed.
std::optional<std::pair<std::int64_t, std::string>> parse_cursor(const std::string& cursor) {
  const auto dot = cursor.find('.');
  if (dot == std::string::npos || dot + 1 == cursor.size()) return std::nullopt;
  const auto at = whole_number(std::string_view(cursor).substr(0, dot));
  if (!at) return std::nullopt;
  return std::pair{*at, cursor.substr(dot + 1)};
}

Refusal bad_cursor(std::string_view prefix) {
  return Refusal{400, std::string(prefix) + "_BAD_CURSOR", "分页游标无效"};
}

}  // namespace

std::variant<AuditQuery, Refusal> audit_query(const std::function<std::optional<std::string>(const char*)>& param,
                                              std::string_view code_prefix) {
  AuditQuery q;
  q.actor = param("actor").value_or("");
  q.customer = param("customer").value_or("");
  q.action = param("action").value_or("");
  q.subject = param("subject").value_or("");
  q.cursor = param("cursor").value_or("");
  for (auto [name, field] : {std::pair{"from_ms", &q.from_ms}, std::pair{"to_ms", &q.to_ms}}) {
    const auto v = param(name);
    if (!v || v->empty()) continue;
    const auto n = whole_number(*v);
    if (!n) return bad_query(code_prefix, name);
    *field = *n;
  }
  // An action is a name ("order.placed") or a prefix of one ("order."): lower-case letters, digits,
  // '.' and '_', at most 64 — nothing else could match, and each prefix length is a statement of its own.
  if (q.action.size() > 64 || !std::all_of(q.action.begin(), q.action.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
      }))
    return bad_query(code_prefix, "action");
  if (!q.cursor.empty() && !parse_cursor(q.cursor)) return bad_cursor(code_prefix);
  if (const auto v = param("limit"); v && !v->empty()) {
    const auto n = whole_number(*v);
    if (!n || *n == 0) return bad_query(code_prefix, "limit");
    q.limit = static_cast<int>(std::min<std::int64_t>(*n, 200));
  }
  return q;
}

void AuditTrail::record(Tx& tx, AuditEntry e) const {
  // Entries of one millisecond read back (newest first) in the order they were made.
  if (e.id.empty()) e.id = observe::ordered_id(id_prefix_, e.at_ms);
  tx.defer(fmt::format("INSERT INTO {} (id, at_ms, actor, customer, action, subject, detail, ip, trace_id) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       table_),
           {e.id, e.at_ms, e.actor, e.customer, e.action, e.subject, e.detail, e.ip, e.trace_id});
}

std::variant<AuditPage, Refusal> AuditTrail::page(Tx& tx, const AuditQuery& q, std::string_view code_prefix) const {
  std::string sql = fmt::format(
      "SELECT id, at_ms, actor, customer, action, subject, detail, ip, trace_id FROM {} WHERE at_ms >= ?", table_);
  Params params{q.from_ms};
  if (q.to_ms > 0) {
    sql += " AND at_ms < ?";
    params.emplace_back(q.to_ms);
  }
  for (auto [column, value] :
       {std::pair{"actor", &q.actor}, std::pair{"customer", &q.customer}, std::pair{"subject", &q.subject}}) {
    if (value->empty()) continue;
    sql += fmt::format(" AND {} = ?", column);
    params.emplace_back(*value);
  }
  if (!q.action.empty() && q.action.back() == '.') {
    // A prefix, compared as it is spelled: a range (action >= 'x.' AND < 'x/') would depend on the
    // database's collation ordering '.' and '/' by their bytes, which a zh_CN or en_US cluster does not.
    sql += fmt::format(" AND substr(action, 1, {}) = ?", q.action.size());
    params.emplace_back(q.action);
  } else if (!q.action.empty()) {
    sql += " AND action = ?";
    params.emplace_back(q.action);
  }
  if (!q.cursor.empty()) {
    const auto after = parse_cursor(q.cursor);
    if (!after) return bad_cursor(code_prefix);
    sql += " AND (at_ms < ? OR (at_ms = ? AND id < ?))";
    params.emplace_back(after->first);
    params.emplace_back(after->first);
    params.emplace_back(after->second);
  }
  const int limit = std::clamp(q.limit, 1, 200);
  sql += fmt::format(" ORDER BY at_ms DESC, id DESC LIMIT {}", limit + 1);
  const auto rows = tx.query(sql, params);
  AuditPage page;
  for (std::size_t i = 0; i < rows.size() && i < static_cast<std::size_t>(limit); ++i) {
    const auto& r = rows.at(i);
    page.items.push_back({r.string(0), r.int64(1), r.string(2), r.string(3), r.string(4), r.string(5), r.string(6),
                          r.string(7), r.string(8)});
  }
  if (rows.size() > static_cast<std::size_t>(limit))
    page.next_cursor = fmt::format("{}.{}", page.items.back().at_ms, page.items.back().id);
  return page;
}

}  // namespace zt::core::storage
