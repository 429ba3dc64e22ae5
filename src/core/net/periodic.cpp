#include "core/net/periodic.hpp"

#include <exception>

#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"

namespace zt::core::net {

void Periodic::start(IoRuntime& runtime, std::chrono::milliseconds every, First first, Step step) {
  step_ = std::move(step);
  // The coroutine holds `this` only: the job outlives it (stop() before destruction, as every
  // component's background loop).
  runtime.spawn(0, [this, every, first]() -> boost::asio::awaitable<void> {
    bool wait_first = first == First::kAfterPeriod;
    while (!stopping_.load()) {
      if (wait_first) {
        co_await signal_.wait(signal_.generation(), every);
        if (stopping_.load()) break;
      }
      wait_first = true;
      std::string failed;
      try {
        co_await step_();
      } catch (const std::exception& e) {
        failed = e.what();  // no co_await in a catch (g++ 12): logged below
      }
      if (!failed.empty()) log::warn("{}: {}", name_, failed);
    }
  });
}

void Periodic::stop() {
  stopping_ = true;
  signal_.notify_all();
}

}  // namespace zt::core::net
