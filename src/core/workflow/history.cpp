#include "core/workflow/history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "core/observe/ordered_id.hpp"
#include "core/workflow/names.hpp"

namespace zt::core::workflow {

History::History(Names names) : names_(std::move(names)) {
  const std::string& t = sql_name(names_.table);
  const std::string& item = sql_name(names_.item);
  if (names_.system.empty()) throw std::invalid_argument("History: the service's actor name is empty");
  fold_ = "UPDATE " + t + " SET last_at_ms = ?, times = times + 1, detail = ? WHERE id = (SELECT id FROM " + t +
          " WHERE " + item + " = ? ORDER BY first_at_ms DESC, id DESC LIMIT 1) AND event = ? AND actor = ?";
  insert_ = "INSERT INTO " + t + " (id, " + item +
            ", first_at_ms, last_at_ms, times, event, detail, actor) VALUES (?, ?, ?, ?, 1, ?, ?, ?)";
  last_ = "SELECT event, detail, actor, first_at_ms, last_at_ms, times FROM " + t + " WHERE " + item +
          " = ? ORDER BY first_at_ms DESC, id DESC LIMIT ?";
}


void History::note(storage::Tx& tx, const std::string& item, const std::string& event, const std::string& detail,
                   const std::string& actor, std::int64_t now_ms) const {
  if (actor == names_.system && tx.exec(fold_, {now_ms, detail, item, event, actor}) > 0) return;
  tx.exec(insert_, {observe::ordered_id(names_.id_prefix, now_ms), item, now_ms, now_ms, event, detail, actor});
}

std::vector<HistoryLine> History::of(storage::Tx& tx, const std::string& item, std::int64_t limit) const {
  std::vector<HistoryLine> out;
  for (const auto& r : tx.query(last_, {item, limit}))
    out.push_back({r.string(0), r.string(1), r.string(2), r.int64(3), r.int64(4), r.int64(5)});
  std::reverse(out.begin(), out.end());
  return out;
}

std::map<std::string, std::vector<HistoryLine>> History::of_each(storage::Tx& tx, const std::vector<std::string>& items,
                                                                 std::size_t per_item) const {
  std::map<std::string, std::vector<HistoryLine>> out;
  if (items.empty()) return out;
  std::string marks;
  storage::Params params;
  for (const auto& id : items) {
    marks += marks.empty() ? "?" : ", ?";
    params.emplace_back(id);
  }
  const std::string& item = names_.item;
  for (const auto& r :
       tx.query("SELECT " + item + ", event, detail, actor, first_at_ms, last_at_ms, times FROM " + names_.table +
                    " WHERE " + item + " IN (" + marks + ") ORDER BY " + item + ", first_at_ms, id",
                params))
    out[r.string(0)].push_back({r.string(1), r.string(2), r.string(3), r.int64(4), r.int64(5), r.int64(6)});
  for (auto& [id, lines] : out)
    if (lines.size() > per_item) lines.erase(lines.begin(), lines.end() - static_cast<std::ptrdiff_t>(per_item));
  return out;
}

}  // namespace zt::core::workflow
