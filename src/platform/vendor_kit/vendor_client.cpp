#include "platform/vendor_kit/vendor_client.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>

#include "core/http/client.hpp"
#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/middleware.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/tracer.hpp"
#include "core/resilience/clock.hpp"
#include "core/resilience/limiter.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::platform::vendor_kit {

namespace res = core::resilience;

std::vector<core::config::Field> vendor_fields(const std::string& default_provider) {
  using namespace core::config;
  return {string("provider", default_provider).choices({"sandbox", "http"}).describe("sandbox (deterministic rules, below) or the vendor over HTTP"),
          string("endpoint", "").describe("the vendor's base URL, http://host:port[/path] (provider http)"),
          string("app_key", "").describe("the key the vendor issued us"),
          string("app_secret", "").describe("the secret requests are signed with (HMAC-SHA-256)"),
          duration("timeout", std::chrono::milliseconds(3000)).range(10, 120000).describe("per attempt"),
          integer("retries", 1).range(0, 5).describe("extra attempts for checks and queries (never for what moves money)"),
          integer("max_concurrent", 50).range(1, 100000).describe("calls in flight to the vendor (its bulkhead)"),
          number("breaker_error_ratio", 0.5).range(0.01, 1.0).describe("failed share of calls that opens the breaker"),
          integer("breaker_min_requests", 10).range(1, 100000).describe("calls in the window before the breaker judges"),
          duration("breaker_window", std::chrono::milliseconds(10000)).range(100, 600000),
          duration("breaker_recovery", std::chrono::milliseconds(10000)).range(100, 600000).describe("open this long, then one probe")};
}

VendorSettings vendor_settings(const core::config::Section& c, std::string name, std::string title) {
  VendorSettings s;
  s.name = std::move(name);
  s.title = std::move(title);
  s.endpoint = c.get_string("endpoint");
  s.app_key = c.get_string("app_key");
  s.app_secret = c.get_string("app_secret");
  s.timeout = c.get_duration("timeout");
  s.retries = static_cast<int>(c.get_int("retries"));
  s.max_concurrent = c.get_int("max_concurrent");
  s.breaker_error_ratio = c.get_double("breaker_error_ratio");
  s.breaker_min_requests = static_cast<int>(c.get_int("breaker_min_requests"));
  s.breaker_window = c.get_duration("breaker_window");
  s.breaker_recovery = c.get_duration("breaker_recovery");
  return s;
}

struct VendorClient::Attempt {
  enum class Kind { kOk, kRejected, kFailed } kind = Kind::kFailed;
  std::string reason;  // failed: timeout | unavailable | bad_response
  int status = 0;
  boost::json::object body;
  std::string vendor_message;
};

namespace {

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

VendorClient::VendorClient(VendorSettings settings, core::observe::Registry* metrics) : settings_(std::move(settings)), metrics_(metrics) {
  // http://host:port[/base]
  const std::string& e = settings_.endpoint;
  if (e.rfind("http://", 0) != 0)
    throw std::invalid_argument(fmt::format("{}.endpoint \"{}\" should be http://host:port[/path]", settings_.name, e));
  const auto rest = e.substr(7);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  base_path_ = slash == std::string::npos ? "" : rest.substr(slash);
  if (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument(fmt::format("{}.endpoint \"{}\" needs host:port", settings_.name, e));
  host_ = authority.substr(0, colon);
  port_ = static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)));
  core::http::ClientOptions o;
  o.connect_timeout = std::min(settings_.timeout, std::chrono::milliseconds(2000));
  o.request_timeout = settings_.timeout;
  o.max_response_bytes = 4 * 1024 * 1024;
  http_ = std::make_unique<core::http::HttpClient>(o);
  res::BreakerRule rule;
  rule.id = settings_.name + "-vendor";
  rule.resource = settings_.name;
  rule.strategy = res::BreakerStrategy::kErrorRatio;
  rule.threshold = settings_.breaker_error_ratio;
  rule.stat_interval = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.breaker_window).count();
  rule.min_requests = settings_.breaker_min_requests;
  rule.recovery = std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.breaker_recovery).count();
  rule.probes = 1;
  auto* m = metrics_;
  const std::string vendor = settings_.name;
  breaker_ = std::make_unique<res::CircuitBreaker>(rule, [m, vendor](const res::BreakerRule&, res::BreakerState from, res::BreakerState to, res::Nanos) {
    core::log::warn("vendor {}: breaker {} -> {}", vendor, res::breaker_state_name(from), res::breaker_state_name(to));
    if (m) m->gauge("zt_vendor_breaker_state", "Vendor breaker: 0 closed, 1 open, 2 half-open", {{"vendor", vendor}}).set(static_cast<int>(to));
  });
  bulkhead_ = std::make_unique<res::Bulkhead>(settings_.name + "-vendor", settings_.max_concurrent);
}

VendorClient::~VendorClient() = default;

res::BreakerState VendorClient::breaker_state() const { return breaker_->state(); }

Refusal VendorClient::refusal(const std::string& what, int status, const std::string& message) const {
  if (metrics_) metrics_->counter("zt_vendor_calls_total", "Calls to vendors, by outcome", {{"vendor", settings_.name}, {"result", what}}).inc();
  return Refusal{status, upper(settings_.name) + "_VENDOR_" + upper(what), message};
}

boost::asio::awaitable<VendorClient::Attempt> VendorClient::attempt(const std::string& path, const std::string& body,
                                                                      const core::http::RequestContext* parent) {
  core::http::Request req;
  req.method = core::http::Method::kPost;
  req.target = base_path_ + path;
  const std::string ts = std::to_string(core::unix_millis());
  req.headers.set("content-type", "application/json");
  req.headers.set("x-app-key", settings_.app_key);
  req.headers.set("x-timestamp", ts);
  req.headers.set("x-signature", core::hmac_sha256_hex(settings_.app_secret, "POST\n" + req.target + "\n" + ts + "\n" + core::sha256_hex(body)));
  req.body = body;
  // Each attempt in a request's trace is a client span of the route's service (peer
  // "vendor:<name>", the vendor's address), and the vendor is told that span as its parent.
  const std::string service = parent ? std::string(parent->route_service()) : std::string();
  const bool traced = !service.empty() && core::observe::tracer().recording();
  core::http::RequestContext as_sent;
  if (traced) {
    as_sent.trace = parent->trace.child();
    as_sent.deadline = parent->deadline;
    as_sent.request_id = parent->request_id;
  }
  const auto started_unix = core::http::unix_nanos_now();
  const auto started = std::chrono::steady_clock::now();
  const auto record = [&](const core::http::Response* answer, const core::http::ApiError* failure) {
    if (!traced) return;
    const bool failed = failure || (answer && answer->status >= 500);
    if (!core::observe::tracer().wanted(as_sent.trace.flags, failed, std::chrono::steady_clock::now() - started))
      return;
    core::observe::tracer().record(
        service, core::http::client_span("vendor:" + settings_.name, core::http::Method::kPost, as_sent.trace,
                                         started_unix, answer, failure, host_ + ":" + std::to_string(port_), 1));
  };
  Attempt a;
  try {
    const core::http::Upstream up{host_, port_};
    auto res = co_await http_->send(up, std::move(req), traced ? &as_sent : parent);
    record(&res, nullptr);
    a.status = res.status;
    if (res.status >= 500) {
      a.reason = "unavailable";
      co_return a;
    }
    boost::system::error_code ec;
    auto parsed = boost::json::parse(res.body, ec);
    if (res.status >= 400) {
      a.kind = Attempt::Kind::kRejected;
      if (!ec && parsed.is_object() && parsed.as_object().contains("message") && parsed.as_object().at("message").is_string())
        a.vendor_message = std::string(parsed.as_object().at("message").as_string()).substr(0, 200);
      co_return a;
    }
    if (ec || !parsed.is_object()) {
      a.reason = "bad_response";
      co_return a;
    }
    a.kind = Attempt::Kind::kOk;
    a.body = std::move(parsed.as_object());
  } catch (const core::http::ApiError& e) {
    record(nullptr, &e);
    a.reason = e.status() == 504 ? "timeout" : "unavailable";
  }
  co_return a;
}

boost::asio::awaitable<std::variant<boost::json::object, Refusal>> VendorClient::call(std::string path, boost::json::object body, bool idempotent,
                                                                                        const core::http::RequestContext* parent) {
  const auto& clock = res::SteadyClock::instance();
  if (!bulkhead_->try_acquire()) co_return refusal("busy", 503, fmt::format("{}繁忙，请稍后再试", settings_.title));
  struct Release {
    res::Bulkhead& b;
    ~Release() { b.release(); }
  } release{*bulkhead_};
  const std::string text = boost::json::serialize(body);
  const int attempts = idempotent ? 1 + settings_.retries : 1;
  Attempt last;
  for (int i = 0; i < attempts; ++i) {
    const auto permit = breaker_->try_pass(clock.now());
    if (!permit.pass) co_return refusal("circuit_open", 503, fmt::format("{}暂时不可用，请稍后再试", settings_.title));
    const auto started = clock.now();
    last = co_await attempt(path, text, parent);
    const bool failed = last.kind == Attempt::Kind::kFailed;
    breaker_->on_complete(permit, clock.now() - started, failed, clock.now());
    if (metrics_)
      metrics_->histogram("zt_vendor_call_seconds", "Vendor call time per attempt", {{"vendor", settings_.name}})
          .observe_seconds(static_cast<double>(clock.now() - started) / 1e9);
    if (!failed) break;
    core::log::warn("vendor {}: {} {} (attempt {} of {})", settings_.name, path, last.reason, i + 1, attempts);
  }
  switch (last.kind) {
    case Attempt::Kind::kOk:
      if (metrics_) metrics_->counter("zt_vendor_calls_total", "Calls to vendors, by outcome", {{"vendor", settings_.name}, {"result", "ok"}}).inc();
      co_return std::move(last.body);
    case Attempt::Kind::kRejected:
      co_return refusal("rejected", 422,
                        last.vendor_message.empty() ? fmt::format("{}拒绝了请求（{}）", settings_.title, last.status)
                                                    : fmt::format("{}：{}", settings_.title, last.vendor_message));
    case Attempt::Kind::kFailed:
      break;
  }
  if (last.reason == "timeout") co_return refusal("timeout", 504, fmt::format("{}响应超时，请稍后再试", settings_.title));
  if (last.reason == "bad_response") co_return refusal("bad_response", 502, fmt::format("{}返回了无法识别的结果", settings_.title));
  co_return refusal("unavailable", 502, fmt::format("{}暂时不可用，请稍后再试", settings_.title));
}

}  // namespace zt::platform::vendor_kit
