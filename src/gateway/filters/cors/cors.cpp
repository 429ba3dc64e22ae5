#include "gateway/filters/cors/cors.hpp"

#include <algorithm>
#include <cctype>

#include "core/http/error.hpp"

namespace zt::gateway::filters {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

// "https://h5.example.com:8443" -> "h5.example.com:8443"
std::string_view authority_of(std::string_view origin) {
  const auto scheme = origin.find("://");
  return scheme == std::string_view::npos ? std::string_view() : origin.substr(scheme + 3);
}

std::vector<std::string> strings(core::config::YamlReader& r, const YAML::Node& node, const std::string& path, const char* key,
                                 std::vector<std::string> def, bool to_lower, bool to_upper) {
  const YAML::Node n = node[key];
  if (!n) return def;
  std::vector<std::string> out;
  if (!n.IsSequence()) {
    r.problem(n, path + "." + key, "应为字符串列表");
    return def;
  }
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar() || n[i].Scalar().empty()) {
      r.problem(n[i], path + "." + key + "[" + std::to_string(i) + "]", "应为非空字符串");
      continue;
    }
    out.push_back(to_lower ? lower(n[i].Scalar()) : to_upper ? upper(n[i].Scalar()) : n[i].Scalar());
  }
  return out;
}

}  // namespace

CorsPolicy CorsPolicy::parse(core::config::YamlReader& r, const YAML::Node& node, const std::string& path) {
  CorsPolicy p;
  if (!node) return p;
  if (!node.IsMap()) {
    r.problem(node, path, "应为映射");
    return p;
  }
  r.known_keys(node, path, {"allow_origins", "allow_methods", "allow_headers", "expose_headers", "allow_credentials", "max_age_s"});
  p.origins = strings(r, node, path, "allow_origins", {}, true, false);
  for (std::size_t i = 0; i < p.origins.size(); ++i) {
    const auto& o = p.origins[i];
    if (o != "*" && !(o.starts_with("http://") || o.starts_with("https://")))
      r.problem(node["allow_origins"][i], path + ".allow_origins[" + std::to_string(i) + "]",
                "应为 \"*\" 或以 http:// / https:// 开头的源");
  }
  p.methods = strings(r, node, path, "allow_methods", p.methods, false, true);
  p.headers = strings(r, node, path, "allow_headers", p.headers, true, false);
  p.expose = strings(r, node, path, "expose_headers", p.expose, true, false);
  p.credentials = r.flag(node, path, "allow_credentials");
  p.max_age_s = static_cast<int>(r.integer(node, path, "max_age_s", false, 600, 0, 86400));
  if (p.credentials && std::find(p.origins.begin(), p.origins.end(), "*") != p.origins.end())
    r.problem(node["allow_credentials"], path + ".allow_credentials", "允许携带凭证时不能使用 \"*\" 作为源");
  return p;
}

CorsPolicy::Kind CorsPolicy::classify(const core::http::Request& req) {
  const auto origin = req.headers.get("origin");
  if (!origin) return Kind::kNotCors;
  const auto host = req.headers.get("host");
  if (host && lower(authority_of(*origin)) == lower(*host)) return Kind::kNotCors;
  if (req.method == core::http::Method::kOptions && req.headers.get("access-control-request-method")) return Kind::kPreflight;
  return Kind::kCrossOrigin;
}

bool CorsPolicy::origin_allowed(std::string_view origin) const {
  const std::string o = lower(origin);
  for (const auto& allowed : origins) {
    if (allowed == "*" || allowed == o) return true;
    // "https://*.example.com": the scheme, then any subdomain
    if (const auto star = allowed.find("://*."); star != std::string::npos) {
      const std::string scheme = allowed.substr(0, star + 3);
      const std::string suffix = allowed.substr(star + 4);  // ".example.com"
      if (o.starts_with(scheme) && o.size() > scheme.size() + suffix.size() && o.ends_with(suffix)) return true;
    }
  }
  return false;
}

core::http::Response CorsPolicy::preflight(const core::http::Request& req, std::string_view trace_id) const {
  const std::string origin(*req.headers.get("origin"));
  const std::string method = upper(*req.headers.get("access-control-request-method"));
  bool ok = origin_allowed(origin) && std::find(methods.begin(), methods.end(), method) != methods.end();
  std::string asked_headers;
  if (auto h = req.headers.get("access-control-request-headers")) {
    std::string_view rest = *h;
    while (ok && !rest.empty()) {
      const auto comma = rest.find(',');
      std::string name = lower(rest.substr(0, comma));
      name.erase(0, name.find_first_not_of(' '));
      name.erase(name.find_last_not_of(' ') + 1);
      if (!name.empty() && std::find(headers.begin(), headers.end(), name) == headers.end()) ok = false;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  if (!ok) {
    auto res = core::http::Response::json(403, core::http::error_body("GATEWAY_CORS_REFUSED", "不允许的跨域请求", trace_id));
    res.headers.set("vary", "Origin");
    return res;
  }
  core::http::Response res;
  res.status = 204;
  res.headers.set("access-control-allow-origin", origin);
  res.headers.set("access-control-allow-methods", join(methods));
  if (!headers.empty()) res.headers.set("access-control-allow-headers", join(headers));
  res.headers.set("access-control-max-age", std::to_string(max_age_s));
  if (credentials) res.headers.set("access-control-allow-credentials", "true");
  res.headers.set("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  return res;
}

void CorsPolicy::decorate(std::string_view origin, core::http::Response& res) const {
  // The answer depends on Origin: caches must keep one per origin.
  if (auto vary = res.headers.get("vary")) {
    if (lower(*vary).find("origin") == std::string::npos) res.headers.set("vary", std::string(*vary) + ", Origin");
  } else {
    res.headers.set("vary", "Origin");
  }
  if (!origin_allowed(origin)) return;
  res.headers.set("access-control-allow-origin", origin);
  if (!expose.empty()) res.headers.set("access-control-expose-headers", join(expose));
  if (credentials) res.headers.set("access-control-allow-credentials", "true");
}

}  // namespace zt::gateway::filters
