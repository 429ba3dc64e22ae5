#include "core/discovery/api_client.hpp"

#include <boost/json/parse.hpp>

#include <cctype>

#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/observe/log.hpp"

namespace zt::core::discovery {

namespace {

std::pair<std::string, std::string> error_of(const std::string& body) {
  try {
    auto v = boost::json::parse(body);
    if (auto* o = v.if_object()) {
      std::string code, message;
      if (auto* c = o->if_contains("code"); c && c->is_string()) code = std::string(c->as_string());
      if (auto* m = o->if_contains("message"); m && m->is_string()) message = std::string(m->as_string());
      return {code, message};
    }
  } catch (...) {
  }
  return {"", ""};
}

}  // namespace

Verdict classify(int status, std::string_view code, std::string_view prefix) {
  if (status >= 200 && status < 300) return Verdict::kDone;
  const bool own = code.size() > prefix.size() + 1 && code.starts_with(prefix) && code[prefix.size()] == '_';
  // 401 and 403 say who may call, not what became of an earlier attempt with the same request id
  // (an identity that failed to verify on a re-send, a key being rotated): never final.
  if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 408 && status != 429 && own &&
      code.substr(prefix.size()) != "_REQUEST_REUSED")
    return Verdict::kRefused;
  return Verdict::kUnknown;
}

ApiClient::ApiClient(ServiceClient& client, std::string service, std::string prefix, std::string as)
    : client_(client), service_(std::move(service)), prefix_(std::move(prefix)), as_(std::move(as)) {}

boost::asio::awaitable<ApiClient::Reply> ApiClient::send(http::Method method, const std::string& target,
                                                         const std::string& body,
                                                         const http::RequestContext* ctx) const {
  const Sending json_body;  // g++ 12: no braced temporary in a co_await's arguments
  Reply reply = co_await send(method, target, body, ctx, json_body);
  co_return reply;
}

boost::asio::awaitable<ApiClient::Reply> ApiClient::send(http::Method method, const std::string& target,
                                                         const std::string& body, const http::RequestContext* ctx,
                                                         Sending how) const {
  http::Request req;
  req.method = method;
  req.target = target;
  if (!body.empty()) {
    req.headers.set("content-type", how.content_type);
    req.body = body;
  }
  CallOptions options{.as = as_};
  options.timeout = timeout_;
  options.traced = how.traced;
  Reply out;
  try {
    auto result = co_await client_.call(service_, std::move(req), ctx, options);
    out.status = result.response.status;
    out.body = std::move(result.response.body);
  } catch (const http::ApiError& e) {
    // No answer from any instance (unreachable, deadline, busy).
    out.code = e.code();
    out.message = e.message();
    co_return out;
  } catch (const std::exception& e) {
    log::warn("{} client: the call failed: {}", service_, e.what());
    out.message = e.what();
    co_return out;
  }
  if (out.status < 200 || out.status >= 300) std::tie(out.code, out.message) = error_of(out.body);
  out.verdict = classify(out.status, out.code, prefix_);
  if (out.verdict == Verdict::kRefused && out.message.empty()) out.message = "请求被拒绝";
  co_return out;
}

Unknown ApiClient::unreadable(const Reply& reply, const std::exception& e) {
  log::warn("service client: an answer that cannot be read ({}): {}", reply.status, e.what());
  return Unknown{reply.status, "", "无法识别的应答"};
}

std::string ApiClient::segment(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace zt::core::discovery
