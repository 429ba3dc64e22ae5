#pragma once
// Typed dynamic settings (STYLE: userver): a key with its default sits next to the code that reads
// it, and every read takes the current immutable snapshot, so a value never goes stale in a field.
//   inline const core::config::DynamicKey<int> kMaxOpenOrders{"mall.max_open_orders", 200};
//   int limit = kMaxOpenOrders.get();
// Values come from the config file's `dynamic:` section today and from the config center later,
// through the same apply() call. Unknown keys and wrong types are refused with the key named.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/config/config.hpp"

namespace zt::core::config {

using DynamicValue = std::variant<bool, std::int64_t, double, std::string, std::chrono::milliseconds>;

// Checks a converted value beyond its type (a range, rules that must parse); returns the Chinese
// reason it is refused, or nothing.
using DynamicValidator = std::function<std::optional<std::string>(const DynamicValue&)>;

struct DynamicKeyInfo {
  std::string name;
  Type type;
  DynamicValue default_value;
  DynamicValidator validator;
};

class DynamicSettings {
 public:
  using Snapshot = std::map<std::string, DynamicValue, std::less<>>;
  using Callback = std::function<void(const Snapshot&)>;

  static DynamicSettings& global();

  // Every key declared in the program.
  static std::map<std::string, DynamicKeyInfo>& registry();
  static void declare(DynamicKeyInfo info);

  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(std::memory_order_acquire); }

  // Replaces all dynamic values (keys absent from `entries` fall back to their defaults).
  // Validates everything first (types, then each key's validator): on any problem nothing
  // changes and ConfigError lists them, so the last good values stay.
  // Callbacks of keys whose value changed run after the swap, on the calling thread.
  void apply(const std::map<std::string, DynamicEntry>& entries);
  // What apply() would refuse of `entries` (unknown keys, types, each key's validator), changing
  // nothing: the config center checks an item before it stores it.
  static std::vector<Problem> check(const std::map<std::string, DynamicEntry>& entries);
  // Subscribes to changes of one key; returns an id for unsubscribe.
  std::uint64_t subscribe(const std::string& key, Callback cb);
  void unsubscribe(std::uint64_t id);

 private:
  DynamicSettings();
  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  std::mutex mutex_;  // serialises apply() and the subscriber list
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, std::pair<std::string, Callback>> subscribers_;
};

template <class T>
class DynamicKey {
 public:
  using Stored = std::conditional_t<std::is_same_v<T, bool>, bool,
                 std::conditional_t<std::is_integral_v<T>, std::int64_t,
                 std::conditional_t<std::is_floating_point_v<T>, double, T>>>;

  DynamicKey(std::string name, T default_value, std::function<std::optional<std::string>(const T&)> check = {})
      : name_(std::move(name)), default_(default_value) {
    DynamicValidator v;
    if (check)
      v = [check](const DynamicValue& value) { return check(static_cast<T>(std::get<Stored>(value))); };
    DynamicSettings::declare({name_, type(), DynamicValue{static_cast<Stored>(default_)}, std::move(v)});
  }

  const std::string& name() const { return name_; }
  T get() const {
    auto snap = DynamicSettings::global().snapshot();
    auto it = snap->find(name_);
    if (it == snap->end()) return default_;
    return static_cast<T>(std::get<Stored>(it->second));
  }

 private:
  static constexpr Type type() {
    if constexpr (std::is_same_v<Stored, bool>) return Type::kBool;
    else if constexpr (std::is_same_v<Stored, std::int64_t>) return Type::kInt;
    else if constexpr (std::is_same_v<Stored, double>) return Type::kDouble;
    else if constexpr (std::is_same_v<Stored, std::string>) return Type::kString;
    else return Type::kDuration;
  }
  std::string name_;
  T default_;
};

}  // namespace zt::core::config
