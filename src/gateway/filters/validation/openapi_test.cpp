#include "gateway/filters/validation/openapi.hpp"

#include <gtest/gtest.h>

#include "core/util/embedded.hpp"

std::span<const zt::core::EmbeddedFile> zt_system_openapi();
std::span<const zt::core::EmbeddedFile> zt_registry_openapi();
std::span<const zt::core::EmbeddedFile> zt_notify_openapi();
std::span<const zt::core::EmbeddedFile> zt_auth_openapi();

namespace zt::gateway::filters {
namespace {

using core::http::Method;
using core::http::Request;

const char* kDoc = R"Y(
openapi: 3.0.3
info: {title: mall, version: "1"}
components:
  parameters:
    ProductId: {name: id, in: path, required: true, schema: {type: string, pattern: '^P[0-9]{4}$'}}
  schemas:
    Amount: {type: string, pattern: '^[0-9]{1,12}\.[0-9]{2}$'}
    Line:
      type: object
      required: [product, amount]
      additionalProperties: false
      properties:
        product: {type: string, minLength: 1, maxLength: 8}
        amount: {$ref: '#/components/schemas/Amount'}
        note: {type: string, nullable: true, maxLength: 4}
    Tree:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
paths:
  /api/mall/v1/products/{id}:
    parameters: [{$ref: '#/components/parameters/ProductId'}]
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: channel, in: query, required: true, schema: {type: string, enum: [app, web]}}
        - {name: risk, in: query, schema: {type: array, items: {type: string, enum: [R1, R2, R3]}, maxItems: 2}}
        - {name: fast, in: query, schema: {type: boolean}}
        - {name: X-App-Version, in: header, schema: {type: string, pattern: '^[0-9]+\.[0-9]+$'}}
  /api/mall/v1/products/featured:
    get: {}
  /api/mall/v1/orders:
    post:
      parameters:
        - {name: Idempotency-Key, in: header, required: true, schema: {type: string, minLength: 8, maxLength: 64}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [lines, kind]
              properties:
                kind: {type: string, enum: [subscribe, redeem]}
                count: {type: integer, minimum: 0, exclusiveMinimum: true}
                ratio: {type: number, maximum: 1}
                agree: {type: boolean}
                lines: {type: array, minItems: 1, maxItems: 2, items: {$ref: '#/components/schemas/Line'}}
                tree: {$ref: '#/components/schemas/Tree'}
                pick: {oneOf: [{type: integer}, {type: string, maxLength: 2}]}
)Y";

Request make(Method m, const std::string& target, const std::string& body = "", std::map<std::string, std::string> headers = {}) {
  Request r;
  r.method = m;
  r.target = target;
  r.body = body;
  for (auto& [k, v] : headers) r.headers.set(k, v);
  return r;
}

std::string problem(const ApiDocument& doc, const Request& r) {
  auto p = doc.validate(r, r.path());
  return p ? p->text() : "ok";
}

TEST(OpenApi, ChecksPathQueryAndHeaderParameters) {
  auto doc = ApiDocument::parse(kDoc);
  auto get = [&](const std::string& target, std::map<std::string, std::string> h = {}) {
    return problem(*doc, make(Method::kGet, target, "", std::move(h)));
  };
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=10"), "ok");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&utm_source=x"), "ok") << "unknown query parameters pass";
  EXPECT_EQ(get("/api/mall/v1/products/X1?channel=app"), "path.id 格式不正确");
  EXPECT_EQ(get("/api/mall/v1/products/P0001"), "query.channel 缺少必填参数");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=tv"), "query.channel 取值不在允许范围内（可选：app、web）");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=abc"), "query.limit 应为整数");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=1.5"), "query.limit 应为整数");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=0"), "query.limit 不能小于 1");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=101"), "query.limit 不能大于 100");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=99999999999999999999999"), "query.limit 应为整数");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&limit=1&limit=2"), "query.limit 不能重复");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&risk=R1&risk=R3"), "ok");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&risk=R1&risk=R9"), "query.risk[1] 取值不在允许范围内（可选：R1、R2、R3）");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&risk=R1&risk=R2&risk=R3"), "query.risk 最多 2 项");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app&fast=yes"), "query.fast 应为布尔值（true 或 false）");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=%E4%B8%AD"), "query.channel 取值不在允许范围内（可选：app、web）");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=%zz"), "query 参数编码不正确");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app", {{"x-app-version", "3.2"}}), "ok");
  EXPECT_EQ(get("/api/mall/v1/products/P0001?channel=app", {{"x-app-version", "new"}}), "header.x-app-version 格式不正确");
  // A literal segment beats a parameter; undescribed paths and methods pass to the service.
  EXPECT_EQ(get("/api/mall/v1/products/featured"), "ok");
  EXPECT_EQ(get("/api/mall/v1/unknown"), "ok");
  EXPECT_EQ(problem(*doc, make(Method::kDelete, "/api/mall/v1/products/P0001")), "ok");
}

TEST(OpenApi, ChecksJsonBodies) {
  auto doc = ApiDocument::parse(kDoc);
  auto post = [&](const std::string& body, std::map<std::string, std::string> h = {{"idempotency-key", "k-12345678"}}) {
    return problem(*doc, make(Method::kPost, "/api/mall/v1/orders", body, std::move(h)));
  };
  EXPECT_EQ(post(R"({"kind":"subscribe","lines":[{"product":"P1","amount":"1000.00"}]})"), "ok");
  EXPECT_EQ(post(R"({"kind":"subscribe","lines":[{"product":"P1","amount":"1000.00"}]})", {}),
            "header.idempotency-key 缺少必填请求头");
  EXPECT_EQ(post(R"({"kind":"subscribe","lines":[{"product":"P1","amount":"1000.00"}]})", {{"idempotency-key", "short"}}),
            "header.idempotency-key 长度不能少于 8 个字符");
  EXPECT_EQ(post(""), "body 缺少请求体");
  EXPECT_EQ(post("{not json"), "body 不是合法的 JSON");
  EXPECT_EQ(post("[]"), "body 应为对象");
  EXPECT_EQ(post(R"({"kind":"subscribe"})"), "body.lines 缺少必填字段");
  EXPECT_EQ(post(R"({"kind":"buy","lines":[]})"), "body.kind 取值不在允许范围内（可选：subscribe、redeem）");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[]})"), "body.lines 至少需要 1 项");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"P1","amount":1000}]})"), "body.lines[0].amount 应为字符串");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"P1","amount":"1000"}]})"), "body.lines[0].amount 格式不正确");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"","amount":"1.00"}]})"), "body.lines[0].product 不能为空");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"基金基金基金基金","amount":"1.00"}]})"), "ok") << "length counts characters";
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"基金基金基金基金基","amount":"1.00"}]})"),
            "body.lines[0].product 长度不能超过 8 个字符");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"P1","amount":"1.00","extra":1}]})"), "body.lines[0].extra 是不允许的字段");
  EXPECT_EQ(post(R"({"kind":"redeem","lines":[{"product":"P1","amount":"1.00","note":null}]})"), "ok") << "nullable";
  EXPECT_EQ(post(R"({"kind":null,"lines":[{"product":"P1","amount":"1.00"}]})"), "body.kind 不能为空");
  const std::string line = R"("lines":[{"product":"P1","amount":"1.00"}])";
  EXPECT_EQ(post(R"({"kind":"redeem","count":0,)" + line + "}"), "body.count 应大于 0");
  EXPECT_EQ(post(R"({"kind":"redeem","count":2.0,)" + line + "}"), "ok") << "2.0 is an integer";
  EXPECT_EQ(post(R"({"kind":"redeem","count":2.5,)" + line + "}"), "body.count 应为整数");
  EXPECT_EQ(post(R"({"kind":"redeem","ratio":1.5,)" + line + "}"), "body.ratio 不能大于 1");
  EXPECT_EQ(post(R"({"kind":"redeem","agree":"yes",)" + line + "}"), "body.agree 应为布尔值（true 或 false）");
  EXPECT_EQ(post(R"({"kind":"redeem","tree":{"name":"a","children":[{"name":"b","children":[{"name":7}]}]},)" + line + "}"),
            "body.tree.children[0].children[0].name 应为字符串")
      << "a schema that refers to itself";
  EXPECT_EQ(post(R"({"kind":"redeem","pick":5,)" + line + "}"), "ok");
  EXPECT_EQ(post(R"({"kind":"redeem","pick":"abc",)" + line + "}"), "body.pick 应恰好符合一种允许的格式");
}

TEST(OpenApi, ABodyInAnotherDeclaredMediaTypeIsLeftToTheServiceAndJsonIsStillChecked) {
  auto doc = ApiDocument::parse(R"Y(
openapi: 3.0.3
info: {title: observer, version: "1"}
paths:
  /api/observer/v1/otlp/v1/traces:
    post:
      x-zt-access: anonymous
      requestBody:
        required: true
        content:
          application/x-protobuf:
            schema: {type: string, format: binary}
          application/json:
            schema: {type: object, required: [resourceSpans]}
)Y");
  auto post = [&](const std::string& body, const std::string& type) {
    return problem(*doc, make(Method::kPost, "/api/observer/v1/otlp/v1/traces", body, {{"content-type", type}}));
  };
  EXPECT_EQ(post(std::string("\x0a\x02\x0a\x00", 4), "application/x-protobuf"), "ok");
  EXPECT_EQ(post(std::string("\x0a\x02\x0a\x00", 4), "application/x-protobuf; charset=binary"), "ok");
  EXPECT_EQ(post(std::string("\x0a\x02\x0a\x00", 4), "application/json"), "body 不是合法的 JSON");
  EXPECT_EQ(post(std::string("\x0a\x02\x0a\x00", 4), "text/plain"), "body 不是合法的 JSON") << "not declared: read as JSON";
  EXPECT_EQ(post("{}", "application/json"), "body.resourceSpans 缺少必填字段");
  EXPECT_EQ(post("", "application/x-protobuf"), "body 缺少请求体");
}

TEST(OpenApi, ACompressedBodyPassesOnlyWhereTheOperationTakesItsCoding) {
  auto doc = ApiDocument::parse(R"Y(
openapi: 3.0.3
info: {title: observer, version: "1"}
paths:
  /api/observer/v1/otlp/v1/logs:
    post:
      x-zt-access: anonymous
      requestBody:
        required: true
        x-zt-content-encodings: [gzip]
        content:
          application/json:
            schema: {type: object, required: [resourceLogs]}
  /api/x/v1/things:
    post:
      x-zt-access: anonymous
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 3}}}
)Y");
  auto post = [&](const std::string& path, const std::string& body, const std::string& coding) {
    return problem(*doc, make(Method::kPost, path, body, {{"content-type", "application/json"}, {"content-encoding", coding}}));
  };
  const std::string packed("\x1f\x8b\x08\x00binary", 10);
  EXPECT_EQ(post("/api/observer/v1/otlp/v1/logs", packed, "gzip"), "ok") << "the service decodes and checks it";
  EXPECT_EQ(post("/api/observer/v1/otlp/v1/logs", packed, "GZIP "), "ok");
  EXPECT_EQ(post("/api/observer/v1/otlp/v1/logs", packed, "br"), "body 不支持的内容编码：br");
  EXPECT_EQ(post("/api/observer/v1/otlp/v1/logs", "{}", "identity"), "body.resourceLogs 缺少必填字段");
  // Elsewhere: refused, compressed or merely said to be (never passed on unchecked).
  EXPECT_EQ(post("/api/x/v1/things", packed, "gzip"), "body 不支持的内容编码：gzip");
  EXPECT_EQ(post("/api/x/v1/things", R"({"name":"too long"})", "gzip"), "body 不支持的内容编码：gzip");
  EXPECT_EQ(post("/api/x/v1/things", R"({"name":"too long"})", "identity"), "body.name 长度不能超过 3 个字符");
}

TEST(OpenApi, RefusesDocumentsItCannotRead) {
  EXPECT_THROW(ApiDocument::parse("openapi: 2.0\npaths: {}"), std::invalid_argument);
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\n"), std::invalid_argument) << "no paths";
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\npaths:\n  /a:\n    fetch: {}\n"), std::invalid_argument);
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      parameters: [{name: x, in: path}]\n"),
               std::invalid_argument)
      << "a path parameter the path does not have";
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters: [{name: x, in: query, schema: {type: str}}]\n"),
               std::invalid_argument);
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters: [{name: x, in: query, schema: {pattern: '(a'}}]\n"),
               std::invalid_argument);
  EXPECT_THROW(ApiDocument::parse("openapi: 3.0.3\npaths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Nope'}}}}\n"),
               std::invalid_argument);
  EXPECT_THROW(ApiDocument::parse("{"), std::invalid_argument);
}

// A pattern with x-zt-message answers with the rule in words, not "<where> 格式不正确": the staff
// member creating an account reads what a user name may be.
TEST(OpenApi, APatternsOwnMessageSaysTheRule) {
  auto auth = ApiDocument::parse(zt_auth_openapi().front().content);
  auto create = [&](const std::string& username) {
    return problem(*auth, make(Method::kPost, "/api/auth/v1/staff",
                               R"({"username": ")" + username + R"(", "display_name": "李四", "roles": ["operator"]})"));
  };
  EXPECT_EQ(create("li.si"), "ok");
  const std::string rule = "用户名应为3至32位，以小写字母开头，只含小写字母、数字、点（.）、下划线（_）和连字符（-）";
  EXPECT_EQ(create("LiSi"), rule);
  EXPECT_EQ(create("1lisi"), rule);
  EXPECT_EQ(create("li"), rule);
  // Without one, the generic answer names where (EveryShippedDocumentReads: path.service 格式不正确).
}

TEST(OpenApi, EveryShippedDocumentReads) {
  for (auto files : {zt_system_openapi(), zt_registry_openapi(), zt_notify_openapi(), zt_auth_openapi()}) {
    ASSERT_FALSE(files.empty());
    std::shared_ptr<const ApiDocument> doc;
    ASSERT_NO_THROW(doc = ApiDocument::parse(files.front().content)) << files.front().name;
    EXPECT_GE(doc->operations(), 2u);
  }
  auto registry = ApiDocument::parse(zt_registry_openapi().front().content);
  auto put = make(Method::kPut, "/api/registry/v1/configs/public/zhongtai/dynamic.yaml",
                  R"({"content": "a: 1", "format": "yaml", "author": "ops", "comment": "c"})");
  EXPECT_EQ(problem(*registry, put), "ok");
  put.body = R"({"content": "a: 1", "format": "toml", "author": "ops", "comment": "c"})";
  EXPECT_EQ(problem(*registry, put), "body.format 取值不在允许范围内（可选：yaml、json、properties、text）");
  auto bad_name = make(Method::kGet, "/api/registry/v1/services/bad%20name/instances?wait_ms=0");
  EXPECT_EQ(problem(*registry, bad_name), "path.service 格式不正确");
  EXPECT_EQ(problem(*registry, make(Method::kGet, "/api/registry/v1/services/system/instances?wait_ms=40000")),
            "query.wait_ms 不能大于 30000");
}

}  // namespace
}  // namespace zt::gateway::filters
