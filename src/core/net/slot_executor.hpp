#pragma once
// The work-slot executor itself (core/net/work_executor.hpp says what it is for): the io_context's
// executor with a slot beside it. Only the .cpp files that spawn on it include this (heavy Asio
// headers stay out of the rest of the build, DESIGN §8).
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/net/work_executor.hpp"

namespace zt::core::net {

template <class Inner>
class SlotExecutor {
 public:
  SlotExecutor(Inner inner, std::shared_ptr<WorkSlot> slot) noexcept
      : inner_(std::move(inner)), slot_(std::move(slot)) {}

  WorkSlot* slot() const noexcept { return slot_.get(); }
  const Inner& inner() const noexcept { return inner_; }

  template <class Property>
  auto query(const Property& p) const noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), p)))
      -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
    return boost::asio::query(inner_, p);
  }
  template <class Property>
  auto require(const Property& p) const noexcept
      -> SlotExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    return {boost::asio::require(inner_, p), slot_};
  }
  template <class Property>
  auto prefer(const Property& p) const noexcept
      -> SlotExecutor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
    return {boost::asio::prefer(inner_, p), slot_};
  }
  template <class F>
  void execute(F&& f) const {
    inner_.execute(std::forward<F>(f));
  }
  friend bool operator==(const SlotExecutor& a, const SlotExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.slot_ == b.slot_;
  }
  friend bool operator!=(const SlotExecutor& a, const SlotExecutor& b) noexcept { return !(a == b); }

 private:
  Inner inner_;
  std::shared_ptr<WorkSlot> slot_;
};

using WorkExecutor = SlotExecutor<boost::asio::io_context::executor_type>;

}  // namespace zt::core::net
