#include "core/net/notifier.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace zt::core::net {

namespace asio = boost::asio;

struct Notifier::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
};

Notifier::Notifier() = default;
Notifier::~Notifier() = default;

asio::awaitable<bool> Notifier::wait(std::uint64_t seen, std::chrono::milliseconds timeout) {
  if (generation() != seen) co_return true;
  auto waiter = std::make_shared<Waiter>(co_await asio::this_coro::executor);
  waiter->timer.expires_after(timeout);
  {
    std::lock_guard lock(mutex_);
    if (generation() != seen) co_return true;
    waiters_.push_back(waiter);
  }
  boost::system::error_code ec;
  co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  {
    std::lock_guard lock(mutex_);
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
  }
  co_return generation() != seen;
}

void Notifier::notify_all() {
  std::vector<std::shared_ptr<Waiter>> woken;
  {
    std::lock_guard lock(mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    woken.swap(waiters_);
  }
  // A timer is touched only on its own executor; the shared_ptr keeps it alive until then.
  for (auto& w : woken) asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  boost::system::error_code ec;
  co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace zt::core::net
