#include "services/auth/app/housekeeping.hpp"

#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"

namespace zt::services::auth {

void Housekeeping::start(core::net::IoRuntime& runtime) {
  runtime.spawn(0, [this]() -> boost::asio::awaitable<void> {
    for (int round = 0; !stopping_.load(); ++round) {
      try {
        if (round % 10 == 0) {
          const auto swept =
              co_await db_.write([&](core::storage::Tx& tx) { return store_.purge(tx, core::unix_millis()); });
          if (swept > 0)
            core::log::info("auth: housekeeping removed or ended {} old codes, tokens and sessions", swept);
        }
      } catch (const std::exception& e) {
        core::log::warn("auth: housekeeping failed: {}", e.what());
      }
      co_await stop_signal_.wait(stop_signal_.generation(), std::chrono::seconds(30));
      if (stopping_.load()) break;
      try {
        co_await db_.read([&](core::storage::Tx& tx) { keys_.reload(tx); });
      } catch (const std::exception& e) {
        core::log::warn("auth: could not reload signing keys: {}", e.what());
      }
    }
  });
}

void Housekeeping::stop() {
  stopping_ = true;
  stop_signal_.notify_all();
}

}  // namespace zt::services::auth
