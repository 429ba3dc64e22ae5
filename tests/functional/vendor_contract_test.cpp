// Contract tests of every vendor HTTP adapter (identity, phone, csdc, bank, face, SMS), each through
// the real binary against a fake vendor on loopback: requests arrive signed (HMAC-SHA-256 over
// method, path, timestamp and body) with the caller's fields; the vendor's answer comes back as
// the service's own; a 5xx, a timeout, a non-JSON answer and an answer of the wrong shape become
// refusals naming the vendor (checks retried once, nothing retried that moves money); a vendor's
// own refusal passes its message on; the breaker opens after repeated failures, refuses without
// calling, and closes again once a probe succeeds; the bulkhead refuses beyond its calls in flight.
#include <gtest/gtest.h>

#include <condition_variable>

#include <regex>
#include <thread>

#include "core/util/digest.hpp"
#include "harness/fake_server.hpp"
#include "harness/http.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "vendor-contract-internal-secret-01";
const std::string kAppKey = "zt-app-key";
const std::string kAppSecret = "vendor-app-secret-0123456789";

struct Case {
  std::string vendor;       // component and config section
  std::string vendor_path;  // where the adapter posts, below the endpoint's base path
  std::string path;         // the service's own API
  std::string request;      // what a platform service sends
  std::string ok_answer;    // a good vendor answer
  std::string field, value; // a field of the service's answer that comes from the vendor's
  std::string wrong_shape;  // a vendor answer of the wrong shape
  std::string forwarded;    // a piece of the request the vendor must see
  bool retried = true;      // checks are tried again; a message (an SMS) never is
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.vendor; }

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The fake vendor: answers as its mode says and counts what reached it.
class FakeVendor {
 public:
  // kHeld: no answer until release() (or 20 s): a call in flight for as long as the test needs,
  // where a sleep would race the adapter's timeout on a loaded machine.
  enum class Mode { kOk, kFail, kHeld, kGarbage, kWrongShape, kRejected };
  explicit FakeVendor(const Case& c) : case_(c), server_([this](const FakeRequest& r) { return answer(r); }) {}
  ~FakeVendor() { release(); }
  int port() const { return server_.port(); }
  void mode(Mode m) {
    if (m == Mode::kHeld) {
      std::lock_guard lock(gate_mutex_);
      released_ = false;
    }
    mode_ = m;
  }
  void release() {
    {
      std::lock_guard lock(gate_mutex_);
      released_ = true;
    }
    gate_.notify_all();
  }
  int calls() const { return calls_.load(); }
  std::string last_body() {
    std::lock_guard lock(mutex_);
    return last_body_;
  }
  bool all_signed() const { return unsigned_.load() == 0; }

 private:
  FakeReply answer(const FakeRequest& r) {
    ++calls_;
    {
      std::lock_guard lock(mutex_);
      last_body_ = r.body;
    }
    auto header = [&](const char* n) { return r.headers.count(n) ? r.headers.at(n) : std::string(); };
    const std::string expected = core::hmac_sha256_hex(kAppSecret, "POST\n" + r.target + "\n" + header("x-timestamp") + "\n" + core::sha256_hex(r.body));
    if (r.target != "/vendor" + case_.vendor_path || header("x-app-key") != kAppKey || header("x-signature") != expected) ++unsigned_;
    switch (mode_.load()) {
      case Mode::kOk: return {200, case_.ok_answer};
      case Mode::kFail: return {503, R"({"message":"维护中"})"};
      case Mode::kHeld: {
        std::unique_lock lock(gate_mutex_);
        gate_.wait_for(lock, 20s, [&] { return released_; });
        return {200, case_.ok_answer};
      }
      case Mode::kGarbage: return {200, "<html>oops</html>", "text/html"};
      case Mode::kWrongShape: return {200, case_.wrong_shape};
      case Mode::kRejected: return {400, R"({"code":"E1001","message":"证件号码在黑名单中"})"};
    }
    return {500, "{}"};
  }
  Case case_;
  std::atomic<Mode> mode_{Mode::kOk};
  std::atomic<int> calls_{0}, unsigned_{0};
  std::mutex mutex_;
  std::string last_body_;
  std::mutex gate_mutex_;
  std::condition_variable gate_;
  bool released_ = true;
  FakeServer server_;
};

Env vendor_env(const Case& c, int port, const std::string& extra_min_requests, const std::string& max_concurrent) {
  const std::string p = "ZT_" + upper(c.vendor) + "__";
  return {{"ZT_NODE__INTERNAL_SECRET", kSecret},
          {p + "PROVIDER", "http"},
          {p + "ENDPOINT", "http://127.0.0.1:" + std::to_string(port) + "/vendor"},
          {p + "APP_KEY", kAppKey},
          {p + "APP_SECRET", kAppSecret},
          {p + "TIMEOUT", "1500ms"},
          {p + "RETRIES", "1"},
          {p + "MAX_CONCURRENT", max_concurrent},
          {p + "BREAKER_MIN_REQUESTS", extra_min_requests},
          {p + "BREAKER_WINDOW", "30s"},
          // Long enough that the call after the breaker opens still finds it open on a loaded
          // machine (at 500 ms it was half-open by then once, and the probe reached the vendor).
          {p + "BREAKER_RECOVERY", "3s"}};
}

class VendorContract : public ::testing::TestWithParam<Case> {
 protected:
  HttpResponse call(const Zhongtai& z) {
    const auto& c = GetParam();
    return http_request(z.port, "POST", c.path, c.request, service_headers("opening", "POST", c.path, kSecret, c.request));
  }
  std::string code(const std::string& suffix) const { return upper(GetParam().vendor) + "_VENDOR_" + suffix; }
};

TEST_P(VendorContract, AnswersRefusalsRetriesAndTheBulkhead) {
  const auto& c = GetParam();
  FakeVendor vendor(c);
  Zhongtai z(vendor_env(c, vendor.port(), "1000", "1"), c.vendor);

  vendor.mode(FakeVendor::Mode::kOk);
  auto ok = call(z);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_field(ok.body, c.field), c.value) << ok.body;
  EXPECT_NE(vendor.last_body().find(c.forwarded), std::string::npos) << vendor.last_body();
  EXPECT_TRUE(vendor.all_signed()) << "every request signed, at the endpoint's path";
  EXPECT_EQ(vendor.calls(), 1);

  vendor.mode(FakeVendor::Mode::kFail);
  auto down = call(z);
  EXPECT_EQ(down.status, 502);
  EXPECT_EQ(json_field(down.body, "code"), code("UNAVAILABLE"));
  EXPECT_EQ(vendor.calls(), c.retried ? 3 : 2) << (c.retried ? "a check is tried twice" : "a message is sent once");

  vendor.mode(FakeVendor::Mode::kHeld);
  auto slow = call(z);
  vendor.release();
  EXPECT_EQ(slow.status, 504);
  EXPECT_EQ(json_field(slow.body, "code"), code("TIMEOUT"));
  EXPECT_NE(json_field(slow.body, "message").find("超时"), std::string::npos);

  vendor.mode(FakeVendor::Mode::kGarbage);
  auto garbage = call(z);
  EXPECT_EQ(garbage.status, 502);
  EXPECT_EQ(json_field(garbage.body, "code"), code("BAD_RESPONSE"));
  // By name, as operators search for them (code() builds the same from the vendor's prefix).
  const std::map<std::string, std::string> bad_response{
      {"identity", "IDENTITY_VENDOR_BAD_RESPONSE"}, {"phone", "PHONE_VENDOR_BAD_RESPONSE"}, {"csdc", "CSDC_VENDOR_BAD_RESPONSE"},
      {"bank", "BANK_VENDOR_BAD_RESPONSE"},         {"face", "FACE_VENDOR_BAD_RESPONSE"},   {"notify", "NOTIFY_VENDOR_BAD_RESPONSE"}};
  EXPECT_EQ(json_field(garbage.body, "code"), bad_response.at(c.vendor));

  vendor.mode(FakeVendor::Mode::kWrongShape);
  auto shape = call(z);
  EXPECT_EQ(shape.status, 502) << shape.body;
  EXPECT_EQ(json_field(shape.body, "code"), code("BAD_RESPONSE"));

  vendor.mode(FakeVendor::Mode::kRejected);
  const int before = vendor.calls();
  auto rejected = call(z);
  EXPECT_EQ(rejected.status, 422);
  EXPECT_EQ(json_field(rejected.body, "code"), code("REJECTED"));
  EXPECT_NE(json_field(rejected.body, "message").find("证件号码在黑名单中"), std::string::npos) << rejected.body;
  EXPECT_EQ(vendor.calls(), before + 1) << "the vendor's own refusal is not retried";

  // One call in flight at most: a second, meanwhile, is refused at once. The first is held at the
  // vendor until the second has its answer (well within the adapter's 1.5 s timeout).
  vendor.mode(FakeVendor::Mode::kHeld);
  HttpResponse first;
  std::thread t([&] { first = call(z); });
  const bool reached = eventually([&] { return vendor.calls() == before + 2; }, 5s, 10ms);
  auto busy = call(z);
  vendor.release();
  t.join();
  ASSERT_TRUE(reached) << "the first call never reached the vendor";
  EXPECT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(json_field(busy.body, "code"), code("BUSY"));
  EXPECT_EQ(vendor.calls(), before + 2) << "the refused call never reached the vendor";
}

TEST_P(VendorContract, TheBreakerOpensRefusesWithoutCallingAndRecovers) {
  const auto& c = GetParam();
  FakeVendor vendor(c);
  Zhongtai z(vendor_env(c, vendor.port(), "4", "50"), c.vendor);
  vendor.mode(FakeVendor::Mode::kFail);
  while (vendor.calls() < 4) EXPECT_EQ(json_field(call(z).body, "code"), code("UNAVAILABLE"));
  EXPECT_EQ(vendor.calls(), 4);
  // Four failures of four: open. Calls are refused without reaching the vendor.
  auto open = call(z);
  EXPECT_EQ(open.status, 503);
  EXPECT_EQ(json_field(open.body, "code"), code("CIRCUIT_OPEN"));
  EXPECT_NE(json_field(open.body, "message").find("暂时不可用"), std::string::npos);
  EXPECT_EQ(vendor.calls(), 4);
  // The vendor is back; after the recovery time one probe passes and the breaker closes.
  vendor.mode(FakeVendor::Mode::kOk);
  ASSERT_TRUE(eventually([&] { return call(z).status == 200; }, 15s, 100ms));
  EXPECT_EQ(call(z).status, 200);
  EXPECT_EQ(call(z).status, 200);
  auto metrics = http_get(z.admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_vendor_breaker_state{vendor=\"" + c.vendor + "\"} 0"), std::string::npos) << "closed again: " << metrics;
  EXPECT_TRUE(std::regex_search(metrics, std::regex("zt_vendor_calls_total\\{[^}]*result=\"circuit_open\"[^}]*\\} [1-9]"))) << metrics;
}

// What moves money or opens an account is sent to the vendor once through the HTTP adapter: after
// a failure, a timeout or an answer it cannot read, the outcome may be unknown, so the adapter never
// sends it again by itself. The caller asks again with the same request id, and the vendor
// receives the very same request (it answers a request id it has seen with its first outcome).
class MoneyMoving : public ::testing::TestWithParam<Case> {};

TEST_P(MoneyMoving, IsSentOnceWhateverTheAnswerAndTheSameRequestGoesAgainWhenAskedAgain) {
  const auto& c = GetParam();
  FakeVendor vendor(c);
  Zhongtai z(vendor_env(c, vendor.port(), "1000", "1"), c.vendor);
  auto call = [&] {
    return http_request(z.port, "POST", c.path, c.request, service_headers("opening", "POST", c.path, kSecret, c.request));
  };
  const std::string prefix = upper(c.vendor) + "_VENDOR_";

  vendor.mode(FakeVendor::Mode::kFail);
  EXPECT_TRUE(refused(call(), 502, prefix + "UNAVAILABLE"));
  EXPECT_EQ(vendor.calls(), 1) << "a 5xx is not retried: the vendor may have acted";
  const std::string first = vendor.last_body();
  EXPECT_NE(first.find(c.forwarded), std::string::npos) << first;

  vendor.mode(FakeVendor::Mode::kHeld);
  auto slow = call();
  vendor.release();
  EXPECT_TRUE(refused(slow, 504, prefix + "TIMEOUT"));
  EXPECT_EQ(vendor.calls(), 2) << "a timeout is not retried";

  vendor.mode(FakeVendor::Mode::kGarbage);
  EXPECT_TRUE(refused(call(), 502, prefix + "BAD_RESPONSE"));
  EXPECT_EQ(vendor.calls(), 3) << "an unreadable answer is not retried";

  vendor.mode(FakeVendor::Mode::kOk);
  auto ok = call();
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(json_field(ok.body, c.field), c.value);
  EXPECT_EQ(vendor.calls(), 4);
  EXPECT_EQ(vendor.last_body(), first) << "asked again, the vendor sees the same request, byte for byte";
  EXPECT_TRUE(vendor.all_signed());
}

INSTANTIATE_TEST_SUITE_P(
    Vendors, MoneyMoving,
    ::testing::Values(
        Case{"bank", "/bank/transfers/confirm", "/api/bank/v1/transfers",
             R"({"request_id": "tr-0001", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "1000.00"})",
             R"({"status":"confirmed","bank_serial":"B0001","message":"成功"})", "bank_serial", "B0001", R"({"status":"maybe"})",
             "tr-0001", false},
        Case{"csdc", "/csdc/accounts/open", "/api/csdc/v1/accounts/open",
             R"({"request_id": "op-0001", "name": "张三", "id_number": "11010519491231002X", "market": "SH", "opened_date": "2026-12-01"})",
             R"({"market":"SH","account_no":"A000000009","status":"normal","broker":"某证券","linked":true,"opened_date":"2026-12-01"})",
             "account_no", "A000000009", R"({"market":5})", "op-0001", false},
        Case{"csdc", "/csdc/accounts/link", "/api/csdc/v1/accounts/link",
             R"({"request_id": "ln-0001", "id_number": "11010519491231002X", "account_no": "A000000001"})",
             R"({"market":"SH","account_no":"A000000001","status":"normal","broker":"某证券","linked":true,"opened_date":"2020-01-02"})",
             "linked", "true", R"({"linked":"yes"})", "ln-0001", false}),
    [](const auto& info) { return info.param.vendor + "_" + std::to_string(info.index); });

const std::string kImage = core::base64_encode(std::string(200, 'x') + "live-capture");

INSTANTIATE_TEST_SUITE_P(
    Vendors, VendorContract,
    ::testing::Values(
        Case{"identity", "/identity/verify", "/api/identity/v1/verifications", R"({"name": "张三", "id_number": "11010519491231002X"})",
             R"({"result":"match","message":"一致"})", "result", "match", R"({"result":"perhaps","message":"?"})", "11010519491231002X"},
        Case{"phone", "/phone/verify", "/api/phone/v1/verifications", R"({"name": "张三", "id_number": "11010519491231002X", "mobile": "13800138000"})",
             R"({"result":"no_record","message":"无记录"})", "result", "no_record", R"({"answer":"yes"})", "13800138000"},
        Case{"csdc", "/csdc/accounts/query", "/api/csdc/v1/accounts/query", R"({"name": "张三", "id_number": "11010519491231002X"})",
             R"({"accounts":[{"market":"SH","account_no":"A000000001","status":"normal","broker":"某证券","linked":false,"opened_date":"2020-01-02"}],"first_trade_date":"2020-01-03"})",
             "first_trade_date", "2020-01-03", R"({"accounts":"none"})", "张三"},
        Case{"bank", "/bank/cards/verify", "/api/bank/v1/card-verifications",
             R"({"name": "张三", "id_number": "11010519491231002X", "card_no": "6222021000000000009", "mobile": "13800138000"})",
             R"({"result":"match","message":"通过","bank_code":"ICBC","bank_name":"中国工商银行"})", "bank_name", "中国工商银行",
             R"({"result":"match"})", "6222021000000000009"},
        Case{"face", "/face/liveness", "/api/face/v1/liveness", R"({"image": ")" + kImage + R"("})", R"({"live":true,"score":97,"message":"通过"})",
             "score", "97", R"({"live":"maybe"})", kImage},
        Case{"notify", "/sms/send", "/api/notify/v1/messages",
             R"({"channel": "sms", "recipient": "13800138000", "template_id": "notice", "params": {"text": "您的业务已受理"}})",
             R"({"message_id":"SMS-0001"})", "id", "SMS-0001", R"({"message_id": 5})", "13800138000", false}),
    [](const auto& info) { return info.param.vendor; });

}  // namespace
}  // namespace zt::test
