#include "core/app/keys.hpp"

#include "core/app/component.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <vector>
#include <mutex>
#include <optional>

namespace zt::core {

const crypto::KeyRing& node_keys(const config::Config& cfg) {
  static std::mutex mutex;
  static std::optional<crypto::KeyRing> ring;
  std::lock_guard lock(mutex);
  if (!ring) {
    const auto node = cfg.section("node");
    if (auto text = node.get_string("data_keys"); !text.empty()) {
      ring = crypto::KeyRing::parse(text);
    } else {
      const std::string dir = node.get_string("data_dir");
      std::filesystem::create_directories(dir);
      ring = crypto::KeyRing::load_or_create(dir + "/data.keys");
    }
  }
  return *ring;
}

namespace {
struct KeyMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

const crypto::KeyRing& sealing_keys(ComponentContext& ctx) {
  const auto& ring = node_keys(ctx.full_config());
  const auto node = ctx.full_config().section("node");
  const std::string origin = node.get_string("data_keys").empty()
                                 ? (std::filesystem::path(node.get_string("data_dir")) / "data.keys").string()
                                 : std::string("node.data_keys");
  auto& db = ctx.database();
  auto check = [&](storage::Tx& tx) {
    tx.exec_script("CREATE TABLE IF NOT EXISTS zt_key_checks (key_id TEXT PRIMARY KEY, check_value TEXT NOT NULL, recorded_at TEXT NOT NULL)");
    std::map<std::string, std::string> known;
    auto rows = tx.query("SELECT key_id, check_value FROM zt_key_checks");
    for (std::size_t i = 0; i < rows.size(); ++i) known[rows.at(i).string(0)] = rows.at(i).string(1);
    std::vector<std::string> problems;
    for (const auto& [id, check] : known) {
      const std::string mine = id == "#hash" ? ring.hash_check_value() : ring.check_value(id);
      if (mine.empty())
        problems.push_back(fmt::format("data was sealed with key {}, which the key ring does not hold", id));
      else if (mine != check)
        problems.push_back(id == "#hash" ? std::string("lookups were made with another hash key (the ring's newest key differs)")
                                         : fmt::format("key {} in the key ring is not the key the data was sealed with", id));
    }
    if (!problems.empty()) {
      std::string text;
      for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
      throw KeyMismatch(fmt::format("{}: the key ring {} does not open this component's data ({}). Start with the key ring "
                                           "the data was written with (node.data_keys, or <data_dir>/data.keys)",
                                           ctx.name(), origin, text));
    }
    const std::string now = utc_timestamp();
    if (!known.contains(ring.current_id()))
      tx.exec("INSERT INTO zt_key_checks (key_id, check_value, recorded_at) VALUES (?, ?, ?)", {ring.current_id(), ring.check_value(ring.current_id()), now});
    if (!known.contains("#hash"))
      tx.exec("INSERT INTO zt_key_checks (key_id, check_value, recorded_at) VALUES (?, ?, ?)", {std::string("#hash"), ring.hash_check_value(), now});
  };
  // Two instances starting at once may race on the table or its first rows: the second attempt
  // reads what the first wrote. A mismatch is not retried.
  for (int attempt = 0;; ++attempt) {
    try {
      db.write_blocking(check);
      break;
    } catch (const KeyMismatch&) {
      throw;
    } catch (const std::exception&) {
      if (attempt >= 2) throw;
    }
  }
  return ring;
}

}  // namespace zt::core
