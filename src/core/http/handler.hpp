#pragma once
// Handlers and middleware are coroutines returning a Response.
#include <boost/asio/awaitable.hpp>

#include <functional>
#include <memory>
#include <vector>

#include "core/http/context.hpp"
#include "core/http/message.hpp"

namespace zt::core::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&, RequestContext&)>;

// A middleware sees the request and either answers itself or calls next.
class Middleware {
 public:
  virtual ~Middleware() = default;
  virtual boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) = 0;
};

// Builds one handler from the chain (first element runs first) around the final handler.
Handler compose(const std::vector<std::shared_ptr<Middleware>>& chain, Handler final_handler);

}  // namespace zt::core::http
