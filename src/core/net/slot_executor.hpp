#pragma once
// Making a work-slot executor (core/net/work_executor.hpp says what it is for), for the code that
// spawns on one: the server (a traced connection), Periodic (a traced job) and tests. The executor
// itself — the io_context's executor with a slot beside it, forwarding every query, requirement and
// preference — lives in work_executor.cpp, so its heavy Asio headers stay out of the rest of the
// build (DESIGN §8).
#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "core/net/work_executor.hpp"

namespace zt::core::net {

// An executor on the io_context `plain` runs on, whose coroutines carry `slot`; `plain` itself when
// it is not an io_context's executor.
boost::asio::any_io_executor work_executor(const boost::asio::any_io_executor& plain, std::shared_ptr<WorkSlot> slot);
// The slot `executor` carries, or null when it is not a work executor.
WorkSlot* slot_of(const boost::asio::any_io_executor& executor);

}  // namespace zt::core::net
