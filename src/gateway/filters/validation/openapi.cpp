#include "gateway/filters/validation/openapi.hpp"

#include "core/http/content.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <variant>

namespace zt::gateway::filters {

using Schema = ApiDocument::Schema;
using Type = Schema::Type;

// ---- reading the document

class DocumentReader {
 public:
  explicit DocumentReader(ApiDocument& doc) : doc_(doc) {}

  void read(const YAML::Node& root) {
    if (!root.IsMap()) fail("(document)", "not a mapping");
    const auto version = root["openapi"];
    if (!version || !version.IsScalar() || !version.Scalar().starts_with("3.")) fail("openapi", "must be 3.x");
    if (const YAML::Node c = root["components"]) components_.reset(c);  // reset: yaml-cpp's = would assign into the node
    const auto paths = root["paths"];
    if (!paths || !paths.IsMap()) fail("paths", "missing or not a mapping");
    for (const auto& p : paths) {
      const std::string tpl = p.first.Scalar();
      if (!tpl.starts_with("/")) fail("paths." + tpl, "must start with /");
      std::vector<ApiDocument::Parameter> common;
      if (p.second["parameters"]) common = parameters(p.second["parameters"], "paths." + tpl + ".parameters", {});
      for (const auto& m : p.second) {
        const std::string method = m.first.Scalar();
        if (method == "parameters" || method == "summary" || method == "description") continue;
        const auto parsed = core::http::parse_method(upper(method));
        if (parsed == core::http::Method::kOther) fail("paths." + tpl + "." + method, "unknown method");
        operation(tpl, parsed, m.second, common, "paths." + tpl + "." + method);
      }
    }
  }

 private:
  [[noreturn]] static void fail(const std::string& where, const std::string& what) {
    throw std::invalid_argument("OpenAPI " + where + ": " + what);
  }
  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // A node under components, looked up without creating anything.
  YAML::Node component(const std::string& section, const std::string& name) const {
    const YAML::Node& c = components_;
    if (!c.IsDefined() || !c.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node sec = c[section];
    if (!sec || !sec.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return sec[name];
  }

  YAML::Node resolve_ref(const YAML::Node& n, const char* section, const std::string& where) {
    const std::string ref = n["$ref"].Scalar();
    const std::string prefix = std::string("#/components/") + section + "/";
    if (!ref.starts_with(prefix)) fail(where, "unsupported $ref " + ref);
    const YAML::Node target = component(section, ref.substr(prefix.size()));
    if (!target) fail(where, "$ref to nothing: " + ref);
    return target;
  }

  std::vector<ApiDocument::Parameter> parameters(const YAML::Node& list, const std::string& where,
                                                 std::vector<ApiDocument::Parameter> inherited) {
    if (!list.IsSequence()) fail(where, "not a list");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = where + "[" + std::to_string(i) + "]";
      YAML::Node n = list[i];
      if (n["$ref"]) n.reset(resolve_ref(n, "parameters", at));
      ApiDocument::Parameter p;
      p.in = n["in"] ? n["in"].Scalar() : "";
      if (p.in != "path" && p.in != "query" && p.in != "header") {
        if (p.in == "cookie") continue;
        fail(at, "in must be path, query, header or cookie");
      }
      p.name = n["name"] ? n["name"].Scalar() : "";
      if (p.name.empty()) fail(at, "no name");
      if (p.in == "header") p.name = lower(p.name);
      p.required = p.in == "path" || (n["required"] && n["required"].as<bool>());
      p.schema = n["schema"] ? schema(n["schema"], at + ".schema") : any();
      std::erase_if(inherited, [&](const auto& q) { return q.name == p.name && q.in == p.in; });
      inherited.push_back(std::move(p));
    }
    return inherited;
  }

  void operation(const std::string& tpl, core::http::Method method, const YAML::Node& n,
                 const std::vector<ApiDocument::Parameter>& common, const std::string& where) {
    ApiDocument::Operation op;
    op.method = method;
    op.path_template = tpl;
    std::size_t start = 1;
    while (start <= tpl.size()) {
      auto slash = tpl.find('/', start);
      if (slash == std::string::npos) slash = tpl.size();
      std::string seg = tpl.substr(start, slash - start);
      if (!(seg.starts_with("{") && seg.ends_with("}"))) ++op.literal_segments;
      op.segments.push_back(std::move(seg));
      start = slash + 1;
    }
    op.parameters = n["parameters"] ? parameters(n["parameters"], where + ".parameters", common) : common;
    for (const auto& p : op.parameters)
      if (p.in == "path" && std::find(op.segments.begin(), op.segments.end(), "{" + p.name + "}") == op.segments.end())
        fail(where, "path parameter " + p.name + " is not in the path");
    if (YAML::Node body = n["requestBody"]) {
      if (body["$ref"]) body.reset(resolve_ref(body, "requestBodies", where + ".requestBody"));
      op.body_required = body["required"] && body["required"].as<bool>();
      const auto json = body["content"]["application/json"];
      if (json && json["schema"]) op.body = schema(json["schema"], where + ".requestBody");
      else op.body = any();
      if (body["content"] && body["content"].IsMap())
        for (const auto& media : body["content"]) {
          const auto name = media.first.as<std::string>();
          // Only types that are not JSON of some kind (a "+json" type is read and checked as JSON).
          if (name.find("json") == std::string::npos) op.other_media_types.push_back(name);
        }
      if (const auto codings = body["x-zt-content-encodings"]) {
        if (!codings.IsSequence()) fail(where + ".requestBody.x-zt-content-encodings", "should be a list of codings");
        for (const auto& c : codings) {
          std::string coding = c.as<std::string>();
          for (auto& ch : coding) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
          op.content_encodings.push_back(std::move(coding));
        }
      }
    }
    doc_.operations_.push_back(std::move(op));
  }

  const Schema* any() {
    doc_.schemas_.emplace_back();
    return &doc_.schemas_.back();
  }

  // A YAML scalar as the JSON value the schema's type makes of it.
  static boost::json::value typed(const YAML::Node& n, Type t, const std::string& where) {
    if (!n.IsScalar()) fail(where, "enum values must be scalars");
    if (n.Tag() == "tag:yaml.org,2002:null" || n.Scalar() == "null" || n.Scalar() == "~") return nullptr;
    try {
      switch (t) {
        case Type::kInteger: return n.as<std::int64_t>();
        case Type::kNumber: return n.as<double>();
        case Type::kBoolean: return n.as<bool>();
        default: return boost::json::string(n.Scalar());
      }
    } catch (const YAML::Exception&) {
      fail(where, "enum value " + n.Scalar() + " does not fit the type");
    }
  }

  const Schema* named(const std::string& name, const std::string& where) {
    if (auto it = named_.find(name); it != named_.end()) return it->second;
    const YAML::Node node = component("schemas", name);
    if (!node) fail(where, "$ref to unknown schema " + name);
    doc_.schemas_.emplace_back();
    Schema* s = &doc_.schemas_.back();
    named_[name] = s;  // before filling: a schema may refer to itself
    fill(*s, node, "components.schemas." + name);
    return s;
  }

  const Schema* schema(const YAML::Node& n, const std::string& where) {
    if (!n.IsMap()) fail(where, "a schema must be a mapping");
    if (n["$ref"]) {
      const std::string ref = n["$ref"].Scalar();
      constexpr std::string_view prefix = "#/components/schemas/";
      if (!ref.starts_with(prefix)) fail(where, "unsupported $ref " + ref);
      return named(ref.substr(prefix.size()), where);
    }
    doc_.schemas_.emplace_back();
    Schema* s = &doc_.schemas_.back();
    fill(*s, n, where);
    return s;
  }

  static std::optional<std::size_t> count(const YAML::Node& n, const char* key, const std::string& where) {
    if (!n[key]) return std::nullopt;
    try {
      const auto v = n[key].as<std::int64_t>();
      if (v < 0) fail(where + "." + key, "must not be negative");
      return static_cast<std::size_t>(v);
    } catch (const YAML::Exception&) {
      fail(where + "." + key, "must be an integer");
    }
  }

  void bound(const YAML::Node& n, const char* key, const char* exclusive_key, std::optional<double>& value, bool& exclusive,
             const std::string& where) {
    try {
      if (n[key]) value = n[key].as<double>();
      if (const auto e = n[exclusive_key]) {
        if (e.Scalar() == "true" || e.Scalar() == "false") {
          exclusive = e.as<bool>();  // OpenAPI 3.0: a flag on the bound
        } else {
          value = e.as<double>();  // OpenAPI 3.1: the bound itself
          exclusive = true;
        }
      }
    } catch (const YAML::Exception&) {
      fail(where + "." + key, "must be a number");
    }
  }

  void fill(Schema& s, const YAML::Node& n, const std::string& where) {
    if (!n.IsMap()) fail(where, "a schema must be a mapping");
    if (n["$ref"]) {  // a named schema that is another one
      s.ref = schema(n, where);
      return;
    }
    if (const auto t = n["type"]) {
      static const std::map<std::string, Type> kTypes = {{"object", Type::kObject},   {"array", Type::kArray},
                                                         {"string", Type::kString},   {"integer", Type::kInteger},
                                                         {"number", Type::kNumber},   {"boolean", Type::kBoolean}};
      auto it = kTypes.find(t.Scalar());
      if (it == kTypes.end()) fail(where + ".type", "unknown type " + t.Scalar());
      s.type = it->second;
    }
    s.nullable = n["nullable"] && n["nullable"].as<bool>();
    if (const auto e = n["enum"]) {
      if (!e.IsSequence() || e.size() == 0) fail(where + ".enum", "must be a non-empty list");
      for (const auto& v : e) s.enumeration.push_back(typed(v, s.type, where + ".enum"));
    }
    bound(n, "minimum", "exclusiveMinimum", s.minimum, s.exclusive_minimum, where);
    bound(n, "maximum", "exclusiveMaximum", s.maximum, s.exclusive_maximum, where);
    s.min_length = count(n, "minLength", where);
    s.max_length = count(n, "maxLength", where);
    s.min_items = count(n, "minItems", where);
    s.max_items = count(n, "maxItems", where);
    if (const auto p = n["pattern"]) {
      s.pattern_text = p.Scalar();
      auto re = std::make_shared<re2::RE2>(s.pattern_text, re2::RE2::Quiet);
      if (!re->ok()) fail(where + ".pattern", "not a valid RE2 pattern: " + re->error());
      s.pattern = std::move(re);
      if (const auto m = n["x-zt-message"]) s.pattern_message = m.Scalar();
    }
    if (const auto props = n["properties"]) {
      if (!props.IsMap()) fail(where + ".properties", "must be a mapping");
      for (const auto& kv : props)
        s.properties.emplace_back(kv.first.Scalar(), schema(kv.second, where + ".properties." + kv.first.Scalar()));
    }
    if (const auto req = n["required"]) {
      if (!req.IsSequence()) fail(where + ".required", "must be a list");
      for (const auto& r : req) s.required.push_back(r.Scalar());
    }
    if (const auto add = n["additionalProperties"]) {
      if (add.IsScalar()) s.additional_allowed = add.as<bool>();
      else s.additional = schema(add, where + ".additionalProperties");
    }
    if (const auto items = n["items"]) s.items = schema(items, where + ".items");
    for (const auto& [key, list] : {std::pair<const char*, std::vector<const Schema*>*>{"allOf", &s.all_of},
                                    {"anyOf", &s.any_of},
                                    {"oneOf", &s.one_of}}) {
      if (const auto alts = n[key]) {
        if (!alts.IsSequence() || alts.size() == 0) fail(where + "." + key, "must be a non-empty list");
        for (std::size_t i = 0; i < alts.size(); ++i)
          list->push_back(schema(alts[i], where + "." + key + "[" + std::to_string(i) + "]"));
      }
    }
  }

  ApiDocument& doc_;
  YAML::Node components_;
  std::map<std::string, Schema*> named_;
};

std::shared_ptr<const ApiDocument> ApiDocument::parse(std::string_view yaml) {
  auto doc = std::make_shared<ApiDocument>();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw std::invalid_argument(std::string("OpenAPI document is not YAML: ") + e.what());
  }
  DocumentReader(*doc).read(root);
  return doc;
}

// ---- validating

namespace {

std::string format_number(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

std::string show(const boost::json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  if (v.is_double()) return format_number(v.get_double());
  if (v.is_bool()) return v.get_bool() ? "true" : "false";
  return "null";
}

bool same(const boost::json::value& a, const boost::json::value& b) {
  if (a.is_number() && b.is_number()) return a.to_number<double>() == b.to_number<double>();
  return a == b;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

const Schema* resolved(const Schema* s) {
  while (s && s->ref) s = s->ref;
  return s;
}

std::optional<Problem> check(const Schema* schema, const boost::json::value& v, const std::string& where);

std::optional<Problem> check_type(const Schema& s, const boost::json::value& v, const std::string& where) {
  switch (s.type) {
    case Type::kAny: return std::nullopt;
    case Type::kObject:
      if (!v.is_object()) return Problem{where, "应为对象"};
      break;
    case Type::kArray:
      if (!v.is_array()) return Problem{where, "应为数组"};
      break;
    case Type::kString:
      if (!v.is_string()) return Problem{where, "应为字符串"};
      break;
    case Type::kInteger:
      if (!(v.is_int64() || v.is_uint64() || (v.is_double() && std::floor(v.get_double()) == v.get_double())))
        return Problem{where, "应为整数"};
      break;
    case Type::kNumber:
      if (!v.is_number()) return Problem{where, "应为数字"};
      break;
    case Type::kBoolean:
      if (!v.is_bool()) return Problem{where, "应为布尔值（true 或 false）"};
      break;
  }
  return std::nullopt;
}

std::optional<Problem> check(const Schema* schema, const boost::json::value& v, const std::string& where) {
  const Schema* sp = resolved(schema);
  if (!sp) return std::nullopt;
  const Schema& s = *sp;
  if (v.is_null()) {
    if (s.nullable || (s.type == Type::kAny && s.enumeration.empty())) return std::nullopt;
    if (!s.enumeration.empty() && std::any_of(s.enumeration.begin(), s.enumeration.end(), [](const auto& e) { return e.is_null(); }))
      return std::nullopt;
    return Problem{where, "不能为空"};
  }
  if (auto p = check_type(s, v, where)) return p;
  if (!s.enumeration.empty() &&
      std::none_of(s.enumeration.begin(), s.enumeration.end(), [&](const auto& e) { return same(e, v); })) {
    std::string options;
    for (const auto& e : s.enumeration) {
      if (!options.empty()) options += "、";
      options += show(e);
    }
    return Problem{where, "取值不在允许范围内（可选：" + options + "）"};
  }
  if (v.is_number()) {
    const double d = v.to_number<double>();
    if (s.minimum && (s.exclusive_minimum ? d <= *s.minimum : d < *s.minimum))
      return Problem{where, (s.exclusive_minimum ? "应大于 " : "不能小于 ") + format_number(*s.minimum)};
    if (s.maximum && (s.exclusive_maximum ? d >= *s.maximum : d > *s.maximum))
      return Problem{where, (s.exclusive_maximum ? "应小于 " : "不能大于 ") + format_number(*s.maximum)};
  }
  if (v.is_string()) {
    const std::string_view text = v.get_string();
    const auto len = code_points(text);
    if (s.min_length && len < *s.min_length)
      return Problem{where, *s.min_length == 1 ? std::string("不能为空") : fmt::format("长度不能少于 {} 个字符", *s.min_length)};
    if (s.max_length && len > *s.max_length) return Problem{where, fmt::format("长度不能超过 {} 个字符", *s.max_length)};
    if (s.pattern && !re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *s.pattern))
      return s.pattern_message.empty() ? Problem{where, "格式不正确"} : Problem{"", s.pattern_message};
  }
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (s.min_items && a.size() < *s.min_items) return Problem{where, fmt::format("至少需要 {} 项", *s.min_items)};
    if (s.max_items && a.size() > *s.max_items) return Problem{where, fmt::format("最多 {} 项", *s.max_items)};
    if (s.items)
      for (std::size_t i = 0; i < a.size(); ++i)
        if (auto p = check(s.items, a[i], where + "[" + std::to_string(i) + "]")) return p;
  }
  if (v.is_object()) {
    const auto& o = v.get_object();
    const auto member = [&](std::string_view name) { return where.empty() ? std::string(name) : where + "." + std::string(name); };
    for (const auto& r : s.required)
      if (!o.contains(r)) return Problem{member(r), "缺少必填字段"};
    for (const auto& [name, value] : o) {
      const auto prop = std::find_if(s.properties.begin(), s.properties.end(), [&](const auto& p) { return p.first == name; });
      if (prop != s.properties.end()) {
        if (auto p = check(prop->second, value, member(name))) return p;
      } else if (!s.additional_allowed) {
        return Problem{member(name), "是不允许的字段"};
      } else if (s.additional) {
        if (auto p = check(s.additional, value, member(name))) return p;
      }
    }
  }
  for (const auto* sub : s.all_of)
    if (auto p = check(sub, v, where)) return p;
  if (!s.any_of.empty() && std::none_of(s.any_of.begin(), s.any_of.end(), [&](const Schema* sub) { return !check(sub, v, where); }))
    return Problem{where, "不符合任何一种允许的格式"};
  if (!s.one_of.empty() &&
      std::count_if(s.one_of.begin(), s.one_of.end(), [&](const Schema* sub) { return !check(sub, v, where); }) != 1)
    return Problem{where, "应恰好符合一种允许的格式"};
  return std::nullopt;
}

// A parameter's text as the JSON value its schema's type reads it as; a problem when it cannot be.
std::variant<boost::json::value, Problem> from_text(const Schema* schema, const std::string& text, const std::string& where) {
  const Schema* s = resolved(schema);
  const Type t = s ? s->type : Type::kAny;
  switch (t) {
    case Type::kInteger: {
      std::size_t i = text.starts_with('-') ? 1 : 0;
      if (i == text.size() || text.size() > 20 || !std::all_of(text.begin() + static_cast<long>(i), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Problem{where, "应为整数"};
      try {
        return boost::json::value(std::stoll(text));
      } catch (...) {
        return Problem{where, "应为整数"};
      }
    }
    case Type::kNumber: {
      char* end = nullptr;
      const double d = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(d)) return Problem{where, "应为数字"};
      return boost::json::value(d);
    }
    case Type::kBoolean:
      if (text == "true") return boost::json::value(true);
      if (text == "false") return boost::json::value(false);
      return Problem{where, "应为布尔值（true 或 false）"};
    default: return boost::json::value(boost::json::string(text));
  }
}

std::optional<Problem> check_text(const Schema* schema, const std::string& text, const std::string& where) {
  auto v = from_text(schema, text, where);
  if (auto* p = std::get_if<Problem>(&v)) return *p;
  return check(schema, std::get<boost::json::value>(v), where);
}

}  // namespace

std::optional<Problem> ApiDocument::validate(const core::http::Request& req, std::string_view path) const {
  const auto segs = core::http::path_segments(path);
  const Operation* op = nullptr;
  for (const auto& o : operations_) {
    if (o.method != req.method || o.segments.size() != segs.size() || (op && op->literal_segments >= o.literal_segments)) continue;
    bool match = true;
    for (std::size_t i = 0; i < segs.size() && match; ++i) {
      const auto& t = o.segments[i];
      match = t.starts_with('{') ? !segs[i].empty() : t == segs[i];
    }
    if (match) op = &o;
  }
  if (!op) return std::nullopt;

  // Query parameters, every value of each (a repeated scalar is a problem).
  std::multimap<std::string, std::string, std::less<>> query;
  std::string_view q = req.query();
  while (!q.empty()) {
    const auto amp = q.find('&');
    const auto pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto k = core::http::percent_decode(pair.substr(0, eq), true);
    auto v = core::http::percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!k || !v) return Problem{"query", "参数编码不正确"};
    query.emplace(std::move(*k), std::move(*v));
  }

  for (const auto& p : op->parameters) {
    const std::string where = p.in + "." + p.name;
    if (p.in == "path") {
      for (std::size_t i = 0; i < op->segments.size(); ++i) {
        if (op->segments[i].size() != p.name.size() + 2 || op->segments[i].compare(1, p.name.size(), p.name) != 0) continue;
        auto value = core::http::percent_decode(segs[i], false);
        if (!value) return Problem{where, "编码不正确"};
        if (auto problem = check_text(p.schema, *value, where)) return problem;
      }
    } else if (p.in == "query") {
      auto [lo, hi] = query.equal_range(p.name);
      if (lo == hi) {
        if (p.required) return Problem{where, "缺少必填参数"};
        continue;
      }
      const Schema* s = resolved(p.schema);
      if (s && s->type == Type::kArray) {
        boost::json::array values;
        for (auto it = lo; it != hi; ++it) {
          auto v = from_text(s->items, it->second, where);
          if (auto* problem = std::get_if<Problem>(&v)) return *problem;
          values.push_back(std::get<boost::json::value>(v));
        }
        if (auto problem = check(s, values, where)) return problem;
      } else {
        if (std::next(lo) != hi) return Problem{where, "不能重复"};
        if (auto problem = check_text(p.schema, lo->second, where)) return problem;
      }
    } else {  // header
      const auto h = req.headers.get(p.name);
      if (!h) {
        if (p.required) return Problem{where, "缺少必填请求头"};
        continue;
      }
      if (auto problem = check_text(p.schema, std::string(*h), where)) return problem;
    }
  }

  if (op->body) {
    if (req.body.empty()) {
      if (op->body_required) return Problem{"body", "缺少请求体"};
      return std::nullopt;
    }
    // A compressed body is the service's to decode and check where the operation takes that coding
    // (what the gateway would parse here is not what the service reads); any other is refused.
    const std::string coding = core::http::content_coding(req);
    if (!coding.empty()) {
      if (std::find(op->content_encodings.begin(), op->content_encodings.end(), coding) != op->content_encodings.end())
        return std::nullopt;
      return Problem{"body", "不支持的内容编码：" + coding.substr(0, 32)};
    }
    if (!op->other_media_types.empty()) {
      const std::string_view type = core::http::media_type(req);
      if (std::find(op->other_media_types.begin(), op->other_media_types.end(), type) != op->other_media_types.end())
        return std::nullopt;  // declared, and not JSON: the service reads it
    }
    boost::system::error_code ec;
    const auto json = boost::json::parse(req.body, ec);
    if (ec) return Problem{"body", "不是合法的 JSON"};
    if (auto problem = check(op->body, json, "body")) return problem;
  }
  return std::nullopt;
}

}  // namespace zt::gateway::filters
