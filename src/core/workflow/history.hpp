#pragma once
// What happened to a workflow item off the happy path — each unanswered send, each refusal, an
// expiry, every staff resolution with who made it and why — as staff read it beside a stuck item:
//
//   CREATE TABLE <service>_<item>_events (id TEXT PRIMARY KEY, <item column> TEXT NOT NULL,
//     first_at_ms BIGINT NOT NULL, last_at_ms BIGINT NOT NULL, times INTEGER NOT NULL,
//     event TEXT NOT NULL, detail TEXT NOT NULL, actor TEXT NOT NULL);
//   CREATE INDEX <…> ON <table> (<item column>, first_at_ms);
//
//   core::workflow::History events{{.table = "mall_order_events", .item = "order_id",
//                                   .system = "mall", .id_prefix = "ME"}};
//   events.note(tx, order_id, "unanswered", "504 GATEWAY_TIMEOUT", "mall", now_ms);
//
// The service's own attempts (actor == system) fold: the same event again as the item's last line
// counts that line once more, with its latest detail and time (a counter that answers nothing,
// tried every few seconds for a day, stays one line). What staff do is a line each.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/storage/database.hpp"

namespace zt::core::workflow {

struct HistoryLine {
  std::string event;
  std::string detail;
  std::string actor;  // the service itself, or the staff member
  std::int64_t first_at_ms = 0;
  std::int64_t last_at_ms = 0;
  std::int64_t times = 1;
};

class History {
 public:
  struct Names {
    std::string table;      // the events table
    std::string item;       // its column naming the item ("order_id")
    std::string system;     // the actor name of the service's own attempts ("mall")
    std::string id_prefix;  // of each line's id ("ME")
  };
  explicit History(Names names);

  // Adds to the item's history (folding the system's repeats, above).
  void note(storage::Tx& tx, const std::string& item, const std::string& event, const std::string& detail,
            const std::string& actor, std::int64_t now_ms) const;
  // The item's last `limit` lines, oldest first.
  std::vector<HistoryLine> of(storage::Tx& tx, const std::string& item, std::int64_t limit = 50) const;
  // The last `per_item` lines of each item, oldest first, in one read (items without any are absent).
  std::map<std::string, std::vector<HistoryLine>> of_each(storage::Tx& tx, const std::vector<std::string>& items,
                                                          std::size_t per_item) const;
  const std::string& system() const { return names_.system; }

 private:
  Names names_;
  std::string fold_, insert_, last_;
};

}  // namespace zt::core::workflow
