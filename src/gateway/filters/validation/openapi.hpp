#pragma once
// Filter: request validation against the target service's OpenAPI 3 document (DESIGN §3: each
// service ships one beside its code; they are compiled into the one binary, so a gateway knows
// every service's document whether or not the service runs in its process).
//
// Checked before a request leaves the gateway: path parameters, query parameters and headers
// (required, type, enum, bounds, pattern, length), and a JSON request body (required, types,
// properties, required members, additionalProperties, items, enum, bounds, pattern, length,
// allOf/anyOf/oneOf, $ref into components/schemas). A request whose path or method the document
// does not describe passes: the service answers 404/405 itself. Unknown query parameters pass
// (clients add tracking parameters); unknown body members are refused only where the schema says
// additionalProperties: false.
//
// The first problem is reported as 400 GATEWAY_INVALID_REQUEST, "请求参数不合法：<where> <why>",
// where is "query.limit", "path.id", "header.idempotency-key" or "body.items[2].amount".
#include <boost/json/value.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/message.hpp"

namespace re2 {
class RE2;
}

namespace zt::gateway::filters {

struct Problem {
  std::string where;
  std::string message;
  std::string text() const { return where.empty() ? message : where + " " + message; }
};

class ApiDocument {
 public:
  // Throws std::invalid_argument naming what it cannot read (a shipped document that does not
  // read is a build error: a unit test reads every one).
  static std::shared_ptr<const ApiDocument> parse(std::string_view yaml);

  // nullopt: valid, or not described. `path` is the request path as the service will see it.
  std::optional<Problem> validate(const core::http::Request& req, std::string_view path) const;
  std::size_t operations() const { return operations_.size(); }

  struct Schema;
  struct Parameter;
  struct Operation;

 private:
  friend class DocumentReader;
  std::deque<Schema> schemas_;  // every schema of the document; they point at each other
  std::vector<Operation> operations_;
};

struct ApiDocument::Schema {
  enum class Type { kAny, kObject, kArray, kString, kInteger, kNumber, kBoolean } type = Type::kAny;
  bool nullable = false;
  std::vector<boost::json::value> enumeration;
  std::optional<double> minimum, maximum;
  bool exclusive_minimum = false, exclusive_maximum = false;
  std::optional<std::size_t> min_length, max_length;  // in characters (UTF-8 code points)
  std::shared_ptr<const re2::RE2> pattern;
  std::string pattern_text;
  // x-zt-message: what a value missing the pattern is told instead of "<where> 格式不正确" — the
  // rule in words, naming the field ("用户名应为…").
  std::string pattern_message;
  std::vector<std::pair<std::string, const Schema*>> properties;
  std::vector<std::string> required;
  bool additional_allowed = true;
  const Schema* additional = nullptr;
  const Schema* items = nullptr;
  std::optional<std::size_t> min_items, max_items;
  std::vector<const Schema*> all_of, any_of, one_of;
  const Schema* ref = nullptr;  // a $ref: validate as that one
};

struct ApiDocument::Parameter {
  std::string name;  // lower case for headers
  std::string in;    // path | query | header
  bool required = false;
  const Schema* schema = nullptr;
};

struct ApiDocument::Operation {
  core::http::Method method = core::http::Method::kGet;
  std::string path_template;
  std::vector<std::string> segments;  // "{id}" for a parameter
  int literal_segments = 0;
  std::vector<Parameter> parameters;
  bool body_required = false;
  const Schema* body = nullptr;  // application/json
  // Other media types the body may be in (an OTLP exporter's application/x-protobuf): a request
  // that says it sends one of them is not read as JSON (its service reads it).
  std::vector<std::string> other_media_types;
  // Content codings the body may come in (requestBody x-zt-content-encodings: an OTLP exporter's
  // gzip): such a body is the service's to decode and check. Any other coding is refused — a body
  // the gateway cannot read is never passed on unchecked.
  std::vector<std::string> content_encodings;
};

}  // namespace zt::gateway::filters
