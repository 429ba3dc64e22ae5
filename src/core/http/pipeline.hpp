#pragma once
// Request processing shared by every listener: request id, trace context, deadline, routing,
// then the middleware chain around the matched handler. Errors leave in the one error shape.
#include <chrono>
#include <memory>
#include <vector>

#include "core/http/handler.hpp"
#include "core/http/router.hpp"

namespace zt::core::http {

struct PipelineOptions {
  std::chrono::milliseconds default_deadline{30000};
  // Honour x-zt-deadline-ms from callers (internal listeners); the public edge sets its own.
  bool trust_deadline_header = false;
};

class Pipeline {
 public:
  Pipeline(std::shared_ptr<const Router> router, std::vector<std::shared_ptr<Middleware>> chain,
           PipelineOptions options = {});
  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx) const;
  Handler handler() const;

 private:
  std::shared_ptr<const Router> router_;
  PipelineOptions options_;
  Handler chain_;
};

// Refuses a caller the operation's declaration does not admit, before every declared handler, in
// both modes: a service it does not name on a customer, staff or service-only operation (403
// CALLER_NOT_ALLOWED; on an anonymous one such a service acts for nobody); the edge, or anyone
// outside, as the declared access says (declared_access_refusal).
void check_caller(const OperationDeclaration& op, std::string_view code_prefix, RequestContext& ctx);

// Outside traffic (no verified service identity) starts a trace of ours: a caller must not steer
// sampling or join another customer's trace with a `traceparent` of its choosing. What it sent is
// kept in ctx.client_traceparent. A trace the pipeline started itself is left as it is.
bool restart_outside_trace(RequestContext& ctx);  // true when it restarted one

// Fills request id, trace and deadline from the request (used by the pipeline and by in-process
// dispatch, so both modes stamp requests the same way).
void prepare_context(const Request& req, RequestContext& ctx, const PipelineOptions& options);

}  // namespace zt::core::http
