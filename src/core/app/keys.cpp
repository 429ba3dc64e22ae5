#include "core/app/keys.hpp"

#include <filesystem>
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

}  // namespace zt::core
