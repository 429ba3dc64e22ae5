#include "platform/vendor_kit/sandbox_faults.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <mutex>
#include <random>

#include "core/config/dynamic.hpp"

namespace zt::platform::vendor_kit {

std::optional<Faults> parse_faults(const std::string& text, std::string* problem) {
  auto fail = [&](std::string why) -> std::optional<Faults> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  Faults f;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return f;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(fmt::format("故障设置不是有效的 YAML：{}", e.msg));
  }
  if (!root.IsMap()) return fail("故障设置应为映射，如 {delay_ms: 2000, error_rate: 0.01}");
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    try {
      if (key == "delay_ms") f.delay_ms = kv.second.as<std::int64_t>();
      else if (key == "jitter_ms") f.jitter_ms = kv.second.as<std::int64_t>();
      else if (key == "slow_ms") f.slow_ms = kv.second.as<std::int64_t>();
      else if (key == "slow_rate") f.slow_rate = kv.second.as<double>();
      else if (key == "error_rate") f.error_rate = kv.second.as<double>();
      else return fail(fmt::format("未知的故障设置 {}（可用 delay_ms、jitter_ms、slow_rate、slow_ms、error_rate）", key));
    } catch (const YAML::Exception&) {
      return fail(fmt::format("{} 应为数字", key));
    }
  }
  for (auto [name, v] : {std::pair{"delay_ms", f.delay_ms}, {"jitter_ms", f.jitter_ms}, {"slow_ms", f.slow_ms}})
    if (v < 0 || v > 120000) return fail(fmt::format("{} 应在0到120000之间", name));
  for (auto [name, v] : {std::pair{"slow_rate", f.slow_rate}, {"error_rate", f.error_rate}})
    if (!(v >= 0 && v <= 1)) return fail(fmt::format("{} 应在0到1之间", name));
  if (f.jitter_ms > f.delay_ms) return fail("jitter_ms 不能大于 delay_ms");
  return f;
}

struct SandboxFaults::Impl {
  std::string vendor, title;
  std::unique_ptr<core::config::DynamicKey<std::string>> key;
  mutable std::mutex mutex;
  mutable std::mt19937_64 rng{std::random_device{}()};
};

SandboxFaults::SandboxFaults(std::string vendor, std::string title) : impl_(std::make_unique<Impl>()) {
  impl_->vendor = vendor;
  impl_->title = std::move(title);
  impl_->key = std::make_unique<core::config::DynamicKey<std::string>>(vendor + ".sandbox_faults", "", [](const std::string& text) -> std::optional<std::string> {
    std::string problem;
    if (!parse_faults(text, &problem)) return problem;
    return std::nullopt;
  });
}

SandboxFaults::~SandboxFaults() = default;

Faults SandboxFaults::current() const { return parse_faults(impl_->key->get()).value_or(Faults{}); }

boost::asio::awaitable<std::optional<core::Refusal>> SandboxFaults::inject() const {
  const Faults f = current();
  std::int64_t wait = 0;
  bool fail = false;
  {
    std::lock_guard lock(impl_->mutex);
    std::uniform_real_distribution<double> unit(0, 1);
    if (f.slow_rate > 0 && unit(impl_->rng) < f.slow_rate) wait = f.slow_ms;
    else wait = f.delay_ms + (f.jitter_ms > 0 ? std::uniform_int_distribution<std::int64_t>(-f.jitter_ms, f.jitter_ms)(impl_->rng) : 0);
    fail = f.error_rate > 0 && unit(impl_->rng) < f.error_rate;
  }
  if (wait > 0) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(wait));
    co_await timer.async_wait(boost::asio::use_awaitable);
  }
  if (fail) {
    std::string code = impl_->vendor;
    std::transform(code.begin(), code.end(), code.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    co_return core::Refusal{503, code + "_VENDOR_UNAVAILABLE", fmt::format("{}暂时不可用，请稍后再试（沙箱模拟故障）", impl_->title)};
  }
  co_return std::nullopt;
}

}  // namespace zt::platform::vendor_kit
