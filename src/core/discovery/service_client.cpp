#include "core/discovery/service_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <vector>

#include "core/discovery/balancer.hpp"
#include "core/discovery/discovery.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/middleware.hpp"
#include "core/net/work_executor.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/time.hpp"

namespace zt::core::discovery {

using Clock = std::chrono::steady_clock;
using http::ApiError;

namespace {

bool idempotent_method(http::Method m) {
  return m == http::Method::kGet || m == http::Method::kHead || m == http::Method::kOptions || m == http::Method::kPut ||
         m == http::Method::kDelete;
}

// An answer that says the instance, not the request, is the problem.
bool instance_failure(int status) { return status >= 500; }

resilience::Nanos nanos_now() { return resilience::SteadyClock::instance().now(); }

// The context a call (or one attempt of it) goes out with: a child of the caller's span, or a new
// root; unsampled when the call is not to be traced.
observe::TraceContext call_trace(const http::RequestContext* parent, const CallOptions& options) {
  observe::TraceContext t = parent               ? parent->trace.child()
                            : options.work_trace ? options.work_trace->child()
                                                 : observe::new_root_trace();
  if (!options.traced) t.flags = 0x00;
  return t;
}

// The client span of a call made as `as` to `service`.
void record_client_span(const std::string& as, const std::string& service, http::Method method,
                        const observe::TraceContext& trace, std::uint64_t start_unix_nano, const http::Response* answer,
                        const ApiError* failure, const std::string& address, int attempt) {
  observe::tracer().record(as, http::client_span(service, method, trace, start_unix_nano, answer, failure, address, attempt));
}

}  // namespace

struct ServiceClient::Upstream {
  Upstream(const ServiceClientOptions& o)
      : balancer(make_balancer(o.balancer)),
        outlier(o.outlier),
        budget(o.retry_budget_ratio, o.retry_budget_min_per_second),
        breaker_rule(o.breaker) {}

  resilience::CircuitBreaker& breaker(const std::string& service, const std::string& id) {
    std::lock_guard lock(mutex);
    auto& b = breakers[id];
    if (!b) {
      auto rule = breaker_rule;
      rule.id = "instance:" + service + "/" + id;
      rule.resource = rule.id;
      b = std::make_unique<resilience::CircuitBreaker>(rule);
    }
    return *b;
  }

  std::unique_ptr<Balancer> balancer;
  resilience::OutlierDetector outlier;
  resilience::RetryBudget budget;
  resilience::BreakerRule breaker_rule;
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<resilience::CircuitBreaker>> breakers;
  std::atomic<std::int64_t> in_flight{0};
  observe::Counter* calls_ok = nullptr;
  observe::Counter* busy = nullptr;
  observe::Counter* calls_failed = nullptr;
  observe::Counter* retries = nullptr;
  observe::Counter* ejections = nullptr;
};

ServiceClient::ServiceClient(Discovery& discovery, std::string self, std::shared_ptr<const http::ServiceKeys> keys,
                             ServiceClientOptions options, observe::Registry* metrics)
    : discovery_(discovery), self_(std::move(self)), keys_(keys ? std::move(keys) : std::make_shared<const http::ServiceKeys>()),
      options_(std::move(options)), metrics_(metrics) {
  make_balancer(options_.balancer);  // refuses an unknown name now, not on the first call
  if (options_.max_attempts < 1) throw std::invalid_argument("service client: max_attempts must be at least 1");
}

ServiceClient::~ServiceClient() = default;

std::shared_ptr<ServiceClient::Upstream> ServiceClient::upstream(const std::string& service) {
  std::lock_guard lock(mutex_);
  auto& u = upstreams_[service];
  if (!u) {
    u = std::make_shared<Upstream>(options_);
    if (metrics_) {
      const char* help = "Calls made through the service client";
      u->calls_ok = &metrics_->counter("zt_service_calls_total", help, {{"service", service}, {"outcome", "ok"}});
      u->calls_failed = &metrics_->counter("zt_service_calls_total", help, {{"service", service}, {"outcome", "failed"}});
      u->retries = &metrics_->counter("zt_service_retries_total", "Retries made by the service client", {{"service", service}});
      u->ejections = &metrics_->counter("zt_service_ejections_total", "Instances ejected as outliers", {{"service", service}});
      u->busy = &metrics_->counter("zt_service_busy_total", "Calls refused: too many in flight to the service", {{"service", service}});
    }
  }
  return u;
}

boost::asio::awaitable<CallResult> ServiceClient::call(std::string service, http::Request req,
                                                       const http::RequestContext* parent, CallOptions options) {
  const auto now = Clock::now();
  auto deadline = now + options.timeout.value_or(options_.timeout);
  if (parent && parent->deadline != Clock::time_point{} && parent->deadline != Clock::time_point::max())
    deadline = std::min(deadline, parent->deadline);
  if (deadline <= now) throw ApiError(504, http::codes::kDeadlineExceeded, "请求处理超时");
  req.headers.remove(http::kIdentityHeader);  // only we set it, below
  // Called with no request context (from a traced job's run, or deep in a request's code that was
  // not handed its context): a child of the span the coroutine's slot holds. Only the client sets
  // this, never its caller.
  options.work_trace.reset();
  if (!parent && options.traced && observe::tracer().recording()) {
    const std::optional<observe::SpanOrigin> work = co_await net::current_span_parent();
    if (work) options.work_trace = work->trace;
  }
  if (options.prefer_local && discovery_.local(service)) co_return co_await call_local(service, req, parent, deadline, options);
  co_return co_await call_remote(service, req, parent, deadline, options);
}

const std::string& ServiceClient::caller_name(const CallOptions& options) const {
  if (!options.as.empty()) return options.as;
  // Every caller says which of this process's services it calls as: in `--target all` every
  // service is here, and the callee decides by the name.
  throw std::logic_error("service client: a call without CallOptions::as");
}

boost::asio::awaitable<http::Response> ServiceClient::call_ok(std::string service, http::Request req,
                                                              const http::RequestContext* parent, CallOptions options) {
  CallResult r = co_await call(std::move(service), std::move(req), parent, std::move(options));
  if (r.response.status >= 400) throw json::error_from_response(r.response.status, r.response.body);
  co_return std::move(r.response);
}

boost::asio::awaitable<CallResult> ServiceClient::call_local(const std::string& service, http::Request& req,
                                                             const http::RequestContext* parent, Clock::time_point deadline,
                                                             const CallOptions& options) {
  // What the split call would carry, settled here instead of signed.
  const bool traced = options.traced && observe::tracer().recording();
  const auto started = traced ? http::unix_nanos_now() : 0;  // the call begins before it is served
  http::RequestContext ctx;
  ctx.received_at = Clock::now();
  ctx.deadline = deadline;  // the pipeline keeps it when tighter than its default
  ctx.in_process = true;
  ctx.remote_address = parent && !parent->remote_address.empty() ? parent->remote_address : "in-process";
  if (options.edge) {
    ctx.edge = true;
    if (parent) ctx.caller = parent->caller;
  } else {
    ctx.calling_service = caller_name(options);
    if (parent && parent->caller.kind != http::CallerKind::kAnonymous && parent->caller.kind != http::CallerKind::kService)
      ctx.caller = parent->caller;
    else
      ctx.caller = {http::CallerKind::kService, ctx.calling_service, {}};
  }
  const auto trace = call_trace(parent, options);
  req.headers.set("traceparent", trace.traceparent());
  if (parent) req.headers.set("x-request-id", parent->request_id);
  const auto method = req.method;
  CallResult out;
  out.local = true;
  out.attempts = 1;
  out.response = co_await discovery_.local_handler()(req, ctx);
  if (traced) record_client_span(ctx.edge ? std::string("gateway") : ctx.calling_service, service, method, trace, started,
                                 &out.response, nullptr, std::string(), 1);
  co_return out;
}

boost::asio::awaitable<CallResult> ServiceClient::call_remote(const std::string& service, http::Request& req,
                                                              const http::RequestContext* parent,
                                                              Clock::time_point deadline, const CallOptions& options) {
  auto snap = discovery_.snapshot(service);
  if (!snap) {
    const auto wait = std::min(options_.resolve_wait,
                               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    snap = co_await discovery_.resolve(service, wait);
  }
  auto up = upstream(service);
  const bool idempotent = options.idempotent.value_or(idempotent_method(req.method));
  up->budget.on_call(nanos_now());

  std::vector<Instance> serving;
  if (snap)
    for (const auto& i : snap->instances)
      if (i.serving() && (options.tag.empty() || i.tag() == options.tag)) serving.push_back(i);
  if (serving.empty() && !options.tag.empty() && snap)  // no tagged instance: the gray release falls back
    for (const auto& i : snap->instances)
      if (i.serving()) serving.push_back(i);
  if (serving.empty()) {
    if (up->calls_failed) up->calls_failed->inc();
    throw ApiError::upstream(503, http::codes::kUnavailable, fmt::format("服务 {} 暂无可用实例", service));
  }
  // The bulkhead of this upstream: held for the whole call, retries included.
  struct Slot {
    explicit Slot(std::atomic<std::int64_t>* counter) : n(counter) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (n) n->fetch_sub(1, std::memory_order_relaxed);
    }
    std::atomic<std::int64_t>* n;
  };
  if (options_.max_concurrent > 0 && up->in_flight.fetch_add(1, std::memory_order_relaxed) >= options_.max_concurrent) {
    up->in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (up->busy) up->busy->inc();
    throw ApiError::upstream(503, http::codes::kOverloaded, "服务繁忙，请稍后再试");
  }
  const Slot slot(options_.max_concurrent > 0 ? &up->in_flight : nullptr);

  std::set<std::string> tried;
  // The last attempt's outcome (a 5xx answer or a transport failure), and why no attempt could be
  // made when none was (breakers open, deadline passed).
  std::optional<CallResult> last_answer;
  std::optional<ApiError> last_failure;
  std::optional<ApiError> refusal;
  int attempts = 0;
  while (attempts < options_.max_attempts) {
    const auto t = nanos_now();
    // Candidates: not ejected, not tried yet (unless every one has been).
    std::vector<Instance> candidates;
    for (const auto& i : serving)
      if (!up->outlier.ejected(i.id, t) && !tried.contains(i.id)) candidates.push_back(i);
    if (candidates.empty())
      for (const auto& i : serving)
        if (!up->outlier.ejected(i.id, t)) candidates.push_back(i);
    if (candidates.empty()) candidates = serving;  // everything ejected: the detector never allows this, but never fail empty

    // The balancer's pick, unless its breaker refuses; then the next one it would pick.
    std::optional<Instance> chosen;
    resilience::Permit permit;
    while (!candidates.empty()) {
      const std::size_t idx = up->balancer->pick(candidates, options.hash_key);
      auto& breaker = up->breaker(service, candidates[idx].id);
      permit = breaker.try_pass(t);
      if (permit.pass) {
        chosen = candidates[idx];
        break;
      }
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(idx));
    }
    if (!chosen) {
      refusal = ApiError::upstream(503, http::codes::kUnavailable, fmt::format("服务 {} 的实例均已熔断，请稍后再试", service));
      break;
    }

    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      refusal = ApiError::upstream(504, http::codes::kDeadlineExceeded, "请求处理超时");
      break;
    }
    ++attempts;
    tried.insert(chosen->id);

    // This attempt's context: the remaining budget, a child span, the caller's request id.
    http::RequestContext attempt_ctx;
    attempt_ctx.deadline = deadline;
    attempt_ctx.trace = call_trace(parent, options);
    attempt_ctx.request_id = parent ? parent->request_id : observe::random_hex_id(8);
    http::Request wire = req;
    // Our services get the signed identity; an upstream that is not one of ours (an operator's
    // route to a vendor) gets nothing of who is calling.
    if (!keys_->empty() && keys_->knows(service)) {
      http::CallIdentity id;
      id.from = caller_name(options);
      id.to = service;
      id.edge = options.edge;
      if (parent) {
        if (options.edge || (parent->caller.kind != http::CallerKind::kAnonymous && parent->caller.kind != http::CallerKind::kService))
          id.caller = parent->caller;
        if (parent->remote_address != "in-process") id.address = parent->remote_address;
      }
      id.deadline = remaining;
      id.instance = chosen->id;
      try {
        wire.headers.set(http::kIdentityHeader,
                         http::sign_call(id, http::method_name(req.method), req.target, req.body, *keys_, unix_millis()));
      } catch (const std::invalid_argument& e) {
        log::error("service client: {} — this process has no key to call {} as {}; check node.service_keys", e.what(),
                   service, id.from);
        throw ApiError(503, http::codes::kUnavailable, fmt::format("服务 {} 暂不可调用：缺少服务间调用密钥", service));
      }
    }
    http::Upstream target{chosen->host, static_cast<std::uint16_t>(chosen->port)};
    up->balancer->on_start(*chosen);
    const auto started = nanos_now();
    const bool traced = options.traced && observe::tracer().recording();
    const auto started_unix = traced ? http::unix_nanos_now() : 0;
    std::optional<http::Response> answer;
    std::optional<ApiError> failure;
    try {
      answer = co_await http_.send(target, std::move(wire), &attempt_ctx);
    } catch (const ApiError& e) {
      failure = e;
    }
    if (traced)
      record_client_span(options.edge ? std::string("gateway") : caller_name(options), service, req.method,
                         attempt_ctx.trace, started_unix, answer ? &*answer : nullptr, failure ? &*failure : nullptr,
                         fmt::format("{}:{}", chosen->host, chosen->port), attempts);
    up->balancer->on_finish(*chosen);
    const auto finished = nanos_now();
    const bool bad = failure.has_value() || instance_failure(answer->status);
    // A 5xx one of our services says lies in something it called (x-zt-failure-origin) is counted
    // neither for nor against the instance: every instance may answer the same (the counter is
    // down), and a breaker opened on it would refuse all of the service — or the fault may be the
    // instance's own (its network, its keys), so it is not a success either. A breaker's probe is
    // answered (the instance did answer); an idempotent call still tries another instance if one is
    // left untried.
    const bool elsewhere = bad && !failure && !keys_->empty() && keys_->knows(service) &&
                           answer->headers.get(http::kFailureOriginHeader) == "upstream";
    if (!elsewhere || permit.probe)
      up->breaker(service, chosen->id).on_complete(permit, finished - started, bad && !elsewhere, finished);
    if (!elsewhere && up->outlier.record(chosen->id, bad, finished, serving.size())) {
      if (up->ejections) up->ejections->inc();
      log::warn("service client: ejected {}/{} after {} consecutive failures (ejection #{})", service, chosen->id,
                up->outlier.options().consecutive_failures, up->outlier.times_ejected(chosen->id));
    }
    if (!bad) {
      if (up->calls_ok) up->calls_ok->inc();
      CallResult ok{std::move(*answer), chosen->id, attempts, false};
      co_return ok;
    }
    if (failure) {
      last_failure = failure;
      last_answer.reset();
    } else {
      last_answer = CallResult{std::move(*answer), chosen->id, attempts, false};
      last_failure.reset();
    }
    // A deadline that has passed ends the call; a non-idempotent call is never sent twice.
    if (failure && failure->status() == 504) break;
    if (!idempotent || attempts >= options_.max_attempts) break;
    if (elsewhere && std::none_of(serving.begin(), serving.end(), [&](const Instance& i) {
          return !tried.contains(i.id) && !up->outlier.ejected(i.id, finished);
        }))
      break;  // the same instance again would say the same
    if (!up->budget.try_retry(nanos_now())) break;
    if (up->retries) up->retries->inc();
  }
  if (up->calls_failed) up->calls_failed->inc();
  if (last_answer) co_return std::move(*last_answer);  // the service's own 5xx answer, as it is
  if (last_failure) throw *last_failure;
  if (refusal) throw *refusal;
  throw ApiError::upstream(503, http::codes::kUnavailable, fmt::format("服务 {} 暂无可用实例", service));
}

}  // namespace zt::core::discovery
