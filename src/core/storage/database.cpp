// Database's default way of running a transaction for a coroutine: on the blocking pool.
#include "core/storage/database.hpp"

namespace zt::core::storage {

boost::asio::awaitable<void> Database::transact(Mode mode, const std::function<void(Tx&)>& fn) {
  co_await core::blocking([this, mode, &fn] { dispatch(mode, fn); });
}

}  // namespace zt::core::storage
