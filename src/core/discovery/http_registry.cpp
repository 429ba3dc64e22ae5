#include "core/discovery/http_registry.hpp"

#include "core/http/identity.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <atomic>
#include <charconv>
#include <stdexcept>

#include "core/http/client.hpp"
#include "core/http/error.hpp"
#include "core/json/json.hpp"

namespace zt::core::discovery {

RegistryAddress parse_address(const std::string& text) {
  auto colon = text.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0) throw std::invalid_argument(fmt::format("'{}' is not host:port", text));
  auto [p, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || p != text.data() + text.size() || port == 0 || port > 65535)
    throw std::invalid_argument(fmt::format("'{}' has no valid port", text));
  return {text.substr(0, colon), static_cast<std::uint16_t>(port)};
}

namespace {

struct Listened {
  std::vector<ConfigKey> changed;
};
BOOST_DESCRIBE_STRUCT(Listened, (), (changed))

struct ListenBody {
  std::string instance;
  std::string tag;
  std::int64_t wait_ms = 0;
  std::vector<ConfigWatch> watches;
};
BOOST_DESCRIBE_STRUCT(ListenBody, (), (instance, tag, wait_ms, watches))

std::string encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

class HttpRegistry final : public RegistryApi {
 public:
  HttpRegistry(std::vector<RegistryAddress> addresses, std::shared_ptr<const http::ServiceKeys> keys)
      : addresses_(std::move(addresses)), keys_(keys ? std::move(keys) : std::make_shared<const http::ServiceKeys>()) {
    if (addresses_.empty()) throw std::invalid_argument("no registry address");
    http::ClientOptions quick;
    quick.connect_timeout = std::chrono::milliseconds(1000);
    quick.request_timeout = std::chrono::milliseconds(3000);
    quick.pool_idle_timeout = std::chrono::milliseconds(4000);
    quick_ = std::make_unique<http::HttpClient>(quick);
    http::ClientOptions poll = quick;
    poll.request_timeout = std::chrono::milliseconds(40000);  // long-polls hold up to 30 s
    poll_ = std::make_unique<http::HttpClient>(poll);
  }

  boost::asio::awaitable<void> register_instance(Registration r) override {
    const std::string as = r.service;
    co_await call(*quick_, http::Method::kPost, "/api/registry/v1/instances", json::serialize(r), as);
  }

  boost::asio::awaitable<bool> heartbeat(std::string service, std::string id) override {
    try {
      co_await call(*quick_, http::Method::kPut,
                    fmt::format("/api/registry/v1/services/{}/instances/{}/heartbeat", encode(service), encode(id)), "", service);
    } catch (const http::ApiError& e) {
      if (e.status() == 404) co_return false;
      throw;
    }
    co_return true;
  }

  boost::asio::awaitable<void> deregister(std::string service, std::string id) override {
    try {
      co_await call(*quick_, http::Method::kDelete,
                    fmt::format("/api/registry/v1/services/{}/instances/{}", encode(service), encode(id)), "", service);
    } catch (const http::ApiError& e) {
      if (e.status() != 404) throw;  // already gone is fine
    }
  }

  boost::asio::awaitable<ServiceSnapshot> watch(std::string service, std::int64_t known, std::chrono::milliseconds wait,
                                                bool every_instance) override {
    auto body = co_await call(*poll_, http::Method::kGet,
                              fmt::format("/api/registry/v1/services/{}/instances?version={}&wait_ms={}{}", encode(service),
                                          known, wait.count(), every_instance ? "&healthy_only=false" : ""),
                              "");
    co_return json::parse<ServiceSnapshot>(body);
  }

  boost::asio::awaitable<std::vector<ConfigKey>> listen(std::vector<ConfigWatch> watches, std::string tag,
                                                        std::chrono::milliseconds wait) override {
    ListenBody b{"", std::move(tag), wait.count(), std::move(watches)};
    auto body = co_await call(*poll_, http::Method::kPost, "/api/registry/v1/configs/listen", json::serialize(b));
    co_return json::parse<Listened>(body).changed;
  }

  boost::asio::awaitable<std::optional<ConfigItem>> get_config(ConfigKey key, std::string tag) override {
    try {
      auto body = co_await call(*quick_, http::Method::kGet,
                                fmt::format("/api/registry/v1/configs/{}/{}/{}?tag={}", encode(key.namespace_id),
                                            encode(key.group), encode(key.data_id), encode(tag)),
                                "");
      co_return json::parse<ConfigItem>(body);
    } catch (const http::ApiError& e) {
      if (e.status() == 404 && e.code() == "REGISTRY_CONFIG_NOT_FOUND") co_return std::nullopt;
      throw;
    }
  }

  boost::asio::awaitable<void> ack_config(ConfigAck ack) override {
    co_await call(*quick_, http::Method::kPost,
                  fmt::format("/api/registry/v1/configs/{}/{}/{}/acks", encode(ack.namespace_id), encode(ack.group),
                              encode(ack.data_id)),
                  json::serialize(ack));
  }

 private:
  // Tries each address once, starting with the one that answered last. Error responses in the
  // project's shape are rethrown as they are; transport failures move on to the next address.
  boost::asio::awaitable<std::string> call(http::HttpClient& client, http::Method method, std::string target,
                                           std::string body, std::string as = "") {
    if (as.empty() && !keys_->services().empty()) as = keys_->services().front();
    const std::size_t n = addresses_.size();
    const std::size_t first = preferred_.load();
    std::optional<http::ApiError> last;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (first + k) % n;
      http::Request req;
      req.method = method;
      req.target = target;
      req.body = body;
      if (!body.empty()) req.headers.set("content-type", "application/json");
      if (!keys_->empty() && keys_->key(as, "registry")) {
        http::CallIdentity id;
        id.from = as;
        id.to = "registry";
        req.headers.set(http::kIdentityHeader, http::sign_call(id, http::method_name(method), req.target, req.body, *keys_, unix_millis()));
      }
      http::Response resp;
      try {
        const http::Upstream upstream{addresses_[i].host, addresses_[i].port};  // not a temporary: g++ 12 coroutine bug
        resp = co_await client.send(upstream, std::move(req));
      } catch (const http::ApiError& e) {
        last = e;
        continue;
      }
      preferred_ = i;
      if (resp.status >= 200 && resp.status < 300) co_return std::move(resp.body);
      if (resp.status >= 500 && k + 1 < n) {
        last = json::error_from_response(resp.status, resp.body);
        continue;
      }
      throw json::error_from_response(resp.status, resp.body);
    }
    throw http::ApiError::upstream(503, "REGISTRY_UNAVAILABLE", fmt::format("注册中心不可用：{}", last ? last->message() : "无地址"));
  }

  std::vector<RegistryAddress> addresses_;
  std::shared_ptr<const http::ServiceKeys> keys_;
  std::atomic<std::size_t> preferred_{0};
  std::unique_ptr<http::HttpClient> quick_;
  std::unique_ptr<http::HttpClient> poll_;
};

}  // namespace

std::unique_ptr<RegistryApi> make_http_registry(std::vector<RegistryAddress> addresses,
                                                std::shared_ptr<const http::ServiceKeys> keys) {
  return std::make_unique<HttpRegistry>(std::move(addresses), std::move(keys));
}

}  // namespace zt::core::discovery
