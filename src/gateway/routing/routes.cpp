#include "gateway/routing/routes.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <set>

#include "core/config/yaml_reader.hpp"
#include "core/discovery/balancer.hpp"
#include "core/discovery/naming.hpp"

namespace zt::gateway {

namespace {

using core::config::YamlProblem;
using core::config::YamlReader;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string join_problems(const std::vector<YamlProblem>& ps) {
  std::string s = "gateway routes are invalid:";
  for (const auto& p : ps) s += fmt::format("\n  line {}: {}: {}", p.line, p.path, p.message);
  return s;
}

constexpr std::initializer_list<const char*> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};

std::vector<NameValue> name_values(YamlReader& r, const YAML::Node& item, const std::string& path, const char* key,
                                   bool lower_names) {
  std::vector<NameValue> out;
  YAML::Node n = item[key];
  if (!n) return out;
  if (!n.IsMap()) {
    r.problem(n, path + "." + key, "应为映射（名称: 取值，\"*\" 表示存在即可）");
    return out;
  }
  for (const auto& kv : n) {
    std::string name = kv.first.Scalar();
    if (name.empty() || !kv.second.IsScalar()) {
      r.problem(kv.first, path + "." + key, "名称和取值应为非空字符串");
      continue;
    }
    NameValue v{lower_names ? lower(name) : name, std::nullopt};
    if (kv.second.Scalar() != "*") v.value = kv.second.Scalar();
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace

const char* access_name(Access a) {
  switch (a) {
    case Access::kAnonymous: return "anonymous";
    case Access::kCustomer: return "customer";
    case Access::kStaff: return "staff";
  }
  return "anonymous";
}

RouteError::RouteError(std::vector<YamlProblem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

RouteTable RouteTable::parse(std::string_view yaml) {
  YamlReader r;
  RouteTable table;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw RouteError({{e.mark.line + 1, "(routes)", fmt::format("语法错误：{}", e.msg)}});
  }
  if (!root || root.IsNull()) return table;
  if (!root.IsMap()) throw RouteError({{1, "(routes)", "顶层应为映射（routes: [...]）"}});
  r.known_keys(root, "(routes)", {"routes"});
  YAML::Node seq = root["routes"];
  if (seq && !seq.IsSequence()) throw RouteError({{seq.Mark().line + 1, "routes", "应为列表"}});
  std::set<std::string> ids;
  for (std::size_t i = 0; seq && i < seq.size(); ++i) {
    const YAML::Node item = seq[i];
    const std::string path = fmt::format("routes[{}]", i);
    if (!item.IsMap()) {
      r.problem(item, path, "应为映射");
      continue;
    }
    r.known_keys(item, path, {"id", "path", "match", "methods", "host", "headers", "query", "rewrite", "service", "splits",
                              "canary", "timeout_ms", "access", "roles", "permission", "money_moving", "max_body_bytes"});
    Route route;
    route.id = r.str(item, path, "id", true);
    if (!route.id.empty() && !ids.insert(route.id).second) r.problem(item["id"], path + ".id", fmt::format("路由 id '{}' 重复", route.id));
    route.path = r.str(item, path, "path", true);
    route.kind = r.choice(item, path, "match", PathKind::kPrefix,
                          {{"exact", PathKind::kExact}, {"prefix", PathKind::kPrefix}, {"regex", PathKind::kRegex}});
    if (route.kind == PathKind::kRegex && !route.path.empty()) {
      RE2::Options o;
      o.set_log_errors(false);
      o.set_max_mem(1 << 20);  // a pattern that needs more is refused, not slow
      auto re = std::make_shared<const RE2>(route.path, o);
      if (!re->ok()) r.problem(item["path"], path + ".path", fmt::format("正则表达式无效：{}", re->error()));
      else route.regex = std::move(re);
    } else if (!route.path.empty() && route.path.front() != '/') {
      r.problem(item["path"], path + ".path", "路径应以 / 开头");
    }
    if (YAML::Node m = item["methods"]) {
      if (!m.IsSequence()) r.problem(m, path + ".methods", "应为列表");
      for (std::size_t k = 0; m.IsSequence() && k < m.size(); ++k) {
        std::string v = m[k].IsScalar() ? m[k].Scalar() : "";
        std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (std::find_if(kMethods.begin(), kMethods.end(), [&](const char* x) { return v == x; }) == kMethods.end())
          r.problem(m[k], fmt::format("{}.methods[{}]", path, k), fmt::format("请求方法 '{}' 无效", v));
        else route.methods.push_back(v);
      }
    }
    route.host = lower(r.str(item, path, "host", false));
    route.headers = name_values(r, item, path, "headers", true);
    route.query = name_values(r, item, path, "query", false);
    if (item["rewrite"]) {
      route.rewrite = r.str(item, path, "rewrite", true);
      if (route.kind != PathKind::kRegex && !route.rewrite->empty() && route.rewrite->front() != '/')
        r.problem(item["rewrite"], path + ".rewrite", "改写后的路径应以 / 开头");
      if (route.kind == PathKind::kExact) r.problem(item["rewrite"], path + ".rewrite", "精确匹配的路由不支持改写，请改用前缀或正则路由");
      if (route.regex) {
        std::string why;
        if (!route.regex->CheckRewriteString(*route.rewrite, &why))
          r.problem(item["rewrite"], path + ".rewrite", fmt::format("改写规则无效：{}", why));
      }
    }
    const bool has_service = static_cast<bool>(item["service"]);
    if (has_service == static_cast<bool>(item["splits"]))
      r.problem(item, path, "service 与 splits 须且只须给出一个");
    if (has_service) {
      std::string s = r.str(item, path, "service", true);
      if (!s.empty() && !core::discovery::valid_name(s)) r.problem(item["service"], path + ".service", "服务名无效");
      route.splits.push_back({s, 100});
    } else if (YAML::Node sp = item["splits"]) {
      if (!sp.IsSequence() || sp.size() == 0) r.problem(sp, path + ".splits", "应为非空列表");
      for (std::size_t k = 0; sp.IsSequence() && k < sp.size(); ++k) {
        const std::string sp_path = fmt::format("{}.splits[{}]", path, k);
        if (!sp[k].IsMap()) {
          r.problem(sp[k], sp_path, "应为映射");
          continue;
        }
        r.known_keys(sp[k], sp_path, {"service", "weight"});
        Split s{r.str(sp[k], sp_path, "service", true), r.integer(sp[k], sp_path, "weight", true, 0, 0, 10000)};
        if (!s.service.empty() && !core::discovery::valid_name(s.service)) r.problem(sp[k]["service"], sp_path + ".service", "服务名无效");
        route.splits.push_back(std::move(s));
      }
    }
    for (const auto& s : route.splits) route.total_weight += s.weight;
    if (!route.splits.empty() && route.total_weight == 0) r.problem(item, path + ".splits", "权重之和应大于0");
    if (YAML::Node c = item["canary"]) {
      const std::string c_path = path + ".canary";
      if (!c.IsMap()) {
        r.problem(c, c_path, "应为映射");
      } else {
        r.known_keys(c, c_path, {"header", "value", "customer_percent", "service", "tag"});
        Canary canary;
        if (c["header"]) {
          NameValue h{lower(r.str(c, c_path, "header", true)), std::nullopt};
          if (c["value"]) h.value = r.str(c, c_path, "value", true);
          canary.header = std::move(h);
        }
        canary.customer_percent = r.integer(c, c_path, "customer_percent", false, 0, 0, 100);
        canary.service = r.str(c, c_path, "service", false);
        canary.tag = r.str(c, c_path, "tag", false);
        if (!canary.header && canary.customer_percent == 0)
          r.problem(c, c_path, "请给出 header 或 customer_percent（灰度流量的选择方式）");
        if (canary.service.empty() && canary.tag.empty()) r.problem(c, c_path, "请给出 service 或 tag（灰度流量的去向）");
        if (!canary.service.empty() && !core::discovery::valid_name(canary.service))
          r.problem(c["service"], c_path + ".service", "服务名无效");
        route.canary = std::move(canary);
      }
    }
    route.timeout_ms = r.integer(item, path, "timeout_ms", false, 5000, 1, 600000);
    route.access = r.choice(item, path, "access", Access::kAnonymous,
                            {{"anonymous", Access::kAnonymous}, {"customer", Access::kCustomer}, {"staff", Access::kStaff}});
    if (YAML::Node roles = item["roles"]) {
      if (!roles.IsSequence()) r.problem(roles, path + ".roles", "应为列表");
      for (std::size_t k = 0; roles.IsSequence() && k < roles.size(); ++k)
        if (roles[k].IsScalar() && !roles[k].Scalar().empty()) route.roles.push_back(roles[k].Scalar());
        else r.problem(roles[k], fmt::format("{}.roles[{}]", path, k), "应为非空字符串");
      if (!route.roles.empty() && route.access == Access::kAnonymous)
        r.problem(roles, path + ".roles", "匿名路由不能要求角色");
    }
    if (YAML::Node perm = item["permission"]) {
      if (!perm.IsScalar() || perm.Scalar().empty()) r.problem(perm, path + ".permission", "应为非空字符串");
      else if (route.access != Access::kStaff) r.problem(perm, path + ".permission", "仅工作人员路由可要求权限（access: staff）");
      else route.permission = perm.Scalar();
    }
    route.money_moving = r.flag(item, path, "money_moving");
    route.max_body_bytes = r.integer(item, path, "max_body_bytes", false, 0, 0, 1024LL * 1024 * 1024);
    table.routes_.push_back(std::move(route));
  }
  if (!r.problems.empty()) throw RouteError(std::move(r.problems));
  return table;
}

bool RouteTable::matches_except_method(const Route& r, const core::http::Request& req, std::string_view path,
                                       std::string_view host) const {
  switch (r.kind) {
    case PathKind::kExact:
      if (path != r.path) return false;
      break;
    case PathKind::kPrefix:
      if (!path.starts_with(r.path)) return false;
      break;
    case PathKind::kRegex:
      if (!r.regex || !RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *r.regex)) return false;
      break;
  }
  if (!r.host.empty()) {
    if (r.host.starts_with("*.")) {
      const std::string_view suffix = std::string_view(r.host).substr(1);  // ".x.com"
      if (!(host.size() > suffix.size() && host.ends_with(suffix))) return false;
    } else if (host != r.host) {
      return false;
    }
  }
  for (const auto& h : r.headers) {
    auto v = req.headers.get(h.name);
    if (!v || (h.value && *v != *h.value)) return false;
  }
  for (const auto& q : r.query) {
    auto v = req.query_param(q.name);
    if (!v || (q.value && *v != *q.value)) return false;
  }
  return true;
}

MatchResult RouteTable::match(const core::http::Request& req, std::string_view customer, std::uint64_t pick) const {
  const std::string_view path = req.path();
  std::string host = lower(req.headers.get("host").value_or(""));
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  const std::string_view method = core::http::method_name(req.method);
  MatchResult out;
  std::set<std::string> allow;
  for (const auto& r : routes_) {
    if (!matches_except_method(r, req, path, host)) continue;
    if (!r.methods.empty() && std::find(r.methods.begin(), r.methods.end(), method) == r.methods.end()) {
      allow.insert(r.methods.begin(), r.methods.end());
      continue;
    }
    Target& t = out.target;
    t.route = &r;
    // Weighted split by the caller's random pick.
    std::uint64_t at = r.total_weight > 0 ? pick % static_cast<std::uint64_t>(r.total_weight) : 0;
    for (const auto& s : r.splits) {
      if (at < static_cast<std::uint64_t>(s.weight)) {
        t.service = s.service;
        break;
      }
      at -= static_cast<std::uint64_t>(s.weight);
    }
    if (r.canary) {
      const Canary& c = *r.canary;
      bool chosen = false;
      if (c.header) {
        auto v = req.headers.get(c.header->name);
        chosen = v && (!c.header->value || *v == *c.header->value);
      }
      if (!chosen && c.customer_percent > 0 && !customer.empty())
        chosen = core::discovery::stable_hash(r.id + "|" + std::string(customer)) % 100 <
                 static_cast<std::uint64_t>(c.customer_percent);
      if (chosen) {
        t.canary = true;
        if (!c.service.empty()) t.service = c.service;
        t.tag = c.tag;
      }
    }
    // Rewrite, keeping the query string.
    std::string rewritten(path);
    if (r.rewrite) {
      if (r.kind == PathKind::kPrefix) rewritten = *r.rewrite + std::string(path.substr(r.path.size()));
      else if (r.kind == PathKind::kRegex && r.regex) RE2::Replace(&rewritten, *r.regex, *r.rewrite);
    }
    if (auto q = req.query(); !q.empty()) rewritten += "?" + std::string(q);
    t.path = std::move(rewritten);
    out.kind = MatchResult::Kind::kFound;
    return out;
  }
  if (!allow.empty()) {
    out.kind = MatchResult::Kind::kMethodNotAllowed;
    for (const auto& m : allow) out.allow += (out.allow.empty() ? "" : ", ") + m;
  }
  return out;
}

}  // namespace zt::gateway
