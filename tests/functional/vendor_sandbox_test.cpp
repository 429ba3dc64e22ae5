// The sandbox vendors on the real binary, by their documented rules (docs/sandbox.md): 公安,
// the operator check, 中登 (persisted: the 3-accounts rule, opening, linking, replays), the banks
// (cards by Luhn and BIN, transfers once per request id, the limit), face liveness and
// comparison against the identity sandbox's photo; outside callers refused; the fault knobs
// applied live from the config center.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/util/digest.hpp"
#include "harness/http.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "vendor-sandbox-internal-secret-01";

class VendorSandbox : public ::testing::Test {
 protected:
  HttpResponse call(const std::string& path, const std::string& body) {
    return http_request(z.port, "POST", path, body, service_headers("opening", "POST", path, kSecret, body));
  }
  Zhongtai reg{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}}, "registry"};
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}, {"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}},
             "identity,phone,csdc,bank,face"};
};

std::string f(const std::string& body, const std::string& name) { return json_field(body, name); }

TEST_F(VendorSandbox, IdentityAndPhoneFollowThePopulationAndTheRules) {
  const std::string path = "/api/identity/v1/verifications";
  const std::string zhang = R"({"name": "张三", "id_number": "11010519491231002X"})";
  EXPECT_TRUE(refused(http_request(z.port, "POST", path, zhang), 401, "INTERNAL_IDENTITY_REQUIRED")) << "no unsigned call";
  auto edge = forwarded(z.port, "POST", path, kSecret, zhang, staff_caller({"customers.read"}));
  EXPECT_EQ(edge.status, 403) << "services only: " << edge.body;
  EXPECT_EQ(f(edge.body, "code"), "IDENTITY_SERVICE_ONLY");
  auto mall = http_request(z.port, "POST", path, zhang, service_headers("mall", "POST", path, kSecret, zhang));
  EXPECT_EQ(mall.status, 403) << "only the services the check names: " << mall.body;
  EXPECT_EQ(f(mall.body, "code"), "CALLER_NOT_ALLOWED");
  auto match = call(path, R"({"name": "张三", "id_number": "11010519491231002X", "with_photo": true})");
  ASSERT_EQ(match.status, 200) << match.body;
  EXPECT_EQ(f(match.body, "result"), "match");
  const auto photo = core::base64_decode(f(match.body, "photo"));
  ASSERT_TRUE(photo.has_value());
  EXPECT_NE(photo->find("ZT-FACE:"), std::string::npos) << "the ID photo carries the face token";
  EXPECT_EQ(f(call(path, R"({"name": "李四", "id_number": "11010519491231002X"})").body, "result"), "mismatch") << "a known person, another name";
  // Outside the population: sequence 999 has no record, 998 mismatches, others match.
  EXPECT_EQ(f(call(path, R"({"name": "某人", "id_number": "110105199001019998"})").body, "result"), "no_record");
  EXPECT_EQ(f(call(path, R"({"name": "某人", "id_number": "11010519900101998X"})").body, "result"), "mismatch");
  EXPECT_EQ(f(call(path, R"({"name": "某人", "id_number": "110105199001011232"})").body, "result"), "match");
  auto bad = call(path, R"({"name": "某人", "id_number": "110105199001011233"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(f(bad.body, "code"), "IDENTITY_ID_INVALID");

  const std::string phone = "/api/phone/v1/verifications";
  EXPECT_EQ(f(call(phone, R"({"name": "张三", "id_number": "11010519491231002X", "mobile": "13800138000"})").body, "result"), "match");
  EXPECT_EQ(f(call(phone, R"({"name": "张三", "id_number": "11010519491231002X", "mobile": "13800138001"})").body, "result"), "mismatch");
  EXPECT_EQ(f(call(phone, R"({"name": "某人", "id_number": "110105199001011232", "mobile": "13900000008"})").body, "result"), "mismatch");
  EXPECT_EQ(f(call(phone, R"({"name": "某人", "id_number": "110105199001011232", "mobile": "13900000009"})").body, "result"), "no_record");
  EXPECT_EQ(f(call(phone, R"({"name": "某人", "id_number": "110105199001011232", "mobile": "13900000001"})").body, "result"), "match");
  EXPECT_TRUE(refused(call(phone, R"({"name": "某人", "id_number": "110105199001011232", "mobile": "23900000001"})"), 400, "PHONE_MOBILE_INVALID"));
}

TEST_F(VendorSandbox, CsdcKeepsAccountsAndRefusesAFourthInAMarket) {
  // 李四 has 3 Shanghai accounts elsewhere (the population file) and none in Shenzhen.
  const std::string li = R"("name": "李四", "id_number": "310115198003151234")";
  auto held = call("/api/csdc/v1/accounts/query", "{" + li + "}");
  ASSERT_EQ(held.status, 200) << held.body;
  int shanghai = 0;
  const auto held_json = boost::json::parse(held.body);
  for (const auto& account : held_json.at("accounts").as_array())
    if (account.at("market").as_string() == "SH") ++shanghai;
  EXPECT_EQ(shanghai, 3) << held.body;
  EXPECT_EQ(f(held.body, "first_trade_date"), "2008-09-12");
  auto fourth = call("/api/csdc/v1/accounts/open", R"({"request_id": "o-1", )" + li + R"(, "market": "SH", "opened_date": "2026-12-01"})");
  EXPECT_EQ(fourth.status, 409);
  EXPECT_EQ(f(fourth.body, "code"), "CSDC_ACCOUNT_LIMIT");
  EXPECT_EQ(f(fourth.body, "message"), "该投资者在上海市场已有3个A股账户，不能新开；可选择下挂已有账户");
  // Shenzhen: opened, and the replay answers the same account.
  auto sz = call("/api/csdc/v1/accounts/open", R"({"request_id": "o-2", )" + li + R"(, "market": "SZ", "opened_date": "2026-12-01"})");
  ASSERT_EQ(sz.status, 200) << sz.body;
  EXPECT_EQ(f(sz.body, "linked"), "true");
  EXPECT_EQ(call("/api/csdc/v1/accounts/open", R"({"request_id": "o-2", )" + li + R"(, "market": "SZ", "opened_date": "2026-12-01"})").body, sz.body);
  // Link one of the Shanghai accounts instead.
  const auto at = held.body.find("\"account_no\":\"");
  const std::string account = held.body.substr(at + 14, 10);
  auto linked = call("/api/csdc/v1/accounts/link", R"({"request_id": "l-1", "id_number": "310115198003151234", "account_no": ")" + account + R"("})");
  ASSERT_EQ(linked.status, 200) << linked.body;
  EXPECT_EQ(f(linked.body, "broker"), "本券商");
  EXPECT_EQ(f(call("/api/csdc/v1/accounts/link", R"({"request_id": "l-2", "id_number": "11010519491231002X", "account_no": ")" + account + R"("})").body,
              "code"),
            "CSDC_ACCOUNT_NOT_FOUND") << "someone else's account cannot be linked";
  // A new investor: no accounts, never traded.
  auto fresh = call("/api/csdc/v1/accounts/query", R"({"name": "新人", "id_number": "110105199001011232"})");
  EXPECT_NE(fresh.body.find(R"("accounts":[])"), std::string::npos) << fresh.body;
  EXPECT_EQ(json_field_if(fresh.body, "first_trade_date"), std::nullopt) << fresh.body;
}

TEST_F(VendorSandbox, BanksCheckCardsAndConfirmEachTransferOnce) {
  const std::string verify = "/api/bank/v1/card-verifications";
  auto ok = call(verify, R"({"name": "张三", "id_number": "11010519491231002X", "card_no": "6222021000000000009", "mobile": "13800138000"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(f(ok.body, "result"), "match");
  EXPECT_EQ(f(ok.body, "bank_name"), "中国工商银行");
  EXPECT_EQ(f(call(verify, R"({"name": "李四", "id_number": "310115198003151234", "card_no": "6222021000000000009", "mobile": "13900139001"})").body, "result"),
            "mismatch") << "a known card belongs to its holder only";
  EXPECT_EQ(f(call(verify, R"({"name": "某人", "id_number": "110105199001011232", "card_no": "6222020000000000018", "mobile": "13900000008"})").body, "result"),
            "mismatch");
  auto luhn = call(verify, R"({"name": "某人", "id_number": "110105199001011232", "card_no": "6222020000000000012", "mobile": "13900000001"})");
  EXPECT_EQ(f(luhn.body, "code"), "BANK_CARD_INVALID");
  EXPECT_EQ(f(call(verify, R"({"name": "某人", "id_number": "110105199001011232", "card_no": "4111111111111111", "mobile": "13900000001"})").body, "code"),
            "BANK_CARD_UNSUPPORTED");

  const std::string transfer = "/api/bank/v1/transfers";
  auto t1 = call(transfer, R"({"request_id": "t-1", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "1000.00"})");
  ASSERT_EQ(t1.status, 200) << t1.body;
  EXPECT_EQ(f(t1.body, "status"), "confirmed");
  EXPECT_NE(f(t1.body, "bank_serial"), "");
  EXPECT_EQ(call(transfer, R"({"request_id": "t-1", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "1000.00"})").body, t1.body)
      << "one confirmation per request id";
  auto t2 = call(transfer, R"({"request_id": "t-2", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "1000.00"})");
  EXPECT_NE(f(t2.body, "bank_serial"), f(t1.body, "bank_serial"));
  auto big = call(transfer, R"({"request_id": "t-3", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "out", "amount": "5000000.01"})");
  EXPECT_EQ(f(big.body, "status"), "refused");
  EXPECT_EQ(f(big.body, "message"), "单笔金额超过银行限额5000000.00元");
  EXPECT_EQ(f(call(transfer, R"({"request_id": "t-1", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "2000.00"})").body, "code"),
            "BANK_REQUEST_REUSED");
  EXPECT_EQ(f(call(transfer, R"({"request_id": "t-4", "bank_code": "CCB", "card_no": "6222021000000000009", "direction": "in", "amount": "1.00"})").body, "code"),
            "BANK_CODE_MISMATCH");
}

TEST_F(VendorSandbox, EachBadFieldIsRefusedByItsOwnCodeAndNothingIsRecorded) {
  EXPECT_TRUE(refused(call("/api/identity/v1/verifications", R"({"name": ")" + std::string(33, 'a') +
                                                                     R"(", "id_number": "11010519491231002X"})"),
                      400, "IDENTITY_NAME_INVALID", "姓名应为1至32个字"));
  EXPECT_TRUE(refused(call("/api/identity/v1/verifications", R"({"name": "", "id_number": "11010519491231002X"})"), 400,
                      "IDENTITY_NAME_INVALID"));
  const std::string li = R"("name": "李四", "id_number": "310115198003151234")";
  EXPECT_TRUE(refused(call("/api/csdc/v1/accounts/open", R"({"request_id": "bad-1", )" + li + R"(, "market": "BJ", "opened_date": "2026-12-01"})"),
                      400, "CSDC_MARKET_INVALID", "市场应为 SH（上海）或 SZ（深圳）"));
  EXPECT_TRUE(refused(call("/api/csdc/v1/accounts/open", R"({"request_id": "bad-2", )" + li + R"(, "market": "SZ", "opened_date": "2026-02-30"})"),
                      400, "CSDC_BAD_DATE", "开户日期应为有效日期（YYYY-MM-DD）"));
  auto held = call("/api/csdc/v1/accounts/query", "{" + li + "}");
  EXPECT_EQ(held.body.find("2026-12-01"), std::string::npos) << "no account opened by a refused request: " << held.body;
  EXPECT_TRUE(refused(call("/api/bank/v1/card-verifications",
                              R"({"name": "张三", "id_number": "11010519491231002X", "card_no": "6222021000000000009", "mobile": "1380013800"})"),
                      400, "BANK_MOBILE_INVALID", "手机号码格式不正确"));
  const std::string transfer = "/api/bank/v1/transfers";
  EXPECT_TRUE(refused(call(transfer, R"({"request_id": "bad-t1", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "sideways", "amount": "1.00"})"),
                      400, "BANK_DIRECTION_INVALID", "方向应为 in 或 out"));
  EXPECT_TRUE(refused(call(transfer, R"({"request_id": "bad-t2", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "0.00"})"),
                      400, "BANK_AMOUNT_INVALID", "金额应大于0"));
  EXPECT_TRUE(refused(call(transfer, R"({"request_id": "bad-t3", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "out", "amount": "-5.00"})"),
                      400, "BANK_AMOUNT_INVALID"));
  // A refused request id is not spent: the same id with good fields goes through once.
  auto good = call(transfer, R"({"request_id": "bad-t2", "bank_code": "ICBC", "card_no": "6222021000000000009", "direction": "in", "amount": "1.00"})");
  EXPECT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(f(good.body, "status"), "confirmed");
}

TEST_F(VendorSandbox, FaceComparesTheLiveCaptureWithTheIdPhoto) {
  auto id = call("/api/identity/v1/verifications", R"({"name": "张三", "id_number": "11010519491231002X", "with_photo": true})");
  const std::string photo = f(id.body, "photo");
  const std::string token = core::base64_decode(photo)->substr(core::base64_decode(photo)->find("ZT-FACE:"), 24);
  const std::string same = core::base64_encode("frame-0001 " + token + std::string(100, '.'));
  const std::string other = core::base64_encode("frame-0002 ZT-FACE:0123456789abcdef" + std::string(100, '.'));
  auto live = call("/api/face/v1/liveness", R"({"image": ")" + same + R"("})");
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(f(live.body, "live"), "true");
  EXPECT_EQ(f(call("/api/face/v1/liveness", R"({"image": ")" + core::base64_encode("SPOOF" + std::string(100, '.')) + R"("})").body, "live"), "false");
  auto match = call("/api/face/v1/comparisons", R"({"image": ")" + same + R"(", "reference": ")" + photo + R"("})");
  ASSERT_EQ(match.status, 200) << match.body;
  EXPECT_EQ(f(match.body, "score"), "95");
  EXPECT_EQ(f(match.body, "same_person"), "true");
  auto not_him = call("/api/face/v1/comparisons", R"({"image": ")" + other + R"(", "reference": ")" + photo + R"("})");
  EXPECT_EQ(f(not_him.body, "same_person"), "false");
  EXPECT_EQ(f(not_him.body, "message"), "人脸比对未通过（相似度20，需达到80）");
  EXPECT_EQ(f(call("/api/face/v1/liveness", R"({"image": "!!!"})").body, "code"), "FACE_IMAGE_INVALID");
}

TEST_F(VendorSandbox, FaultKnobsApplyLiveFromTheConfigCenter) {
  const std::string path = "/api/identity/v1/verifications", body = R"({"name": "张三", "id_number": "11010519491231002X"})";
  ASSERT_EQ(call(path, body).status, 200);
  ASSERT_EQ(publish_dynamic(reg.port, "identity.sandbox_faults: \"{error_rate: 1}\"\n", "test", kSecret).status, 200);
  ASSERT_TRUE(eventually([&] { return call(path, body).status == 503; }, 10s));
  auto failing = call(path, body);
  EXPECT_EQ(f(failing.body, "code"), "IDENTITY_VENDOR_UNAVAILABLE");
  EXPECT_NE(f(failing.body, "message").find("沙箱模拟故障"), std::string::npos);
  EXPECT_EQ(call("/api/phone/v1/verifications", R"({"name": "张三", "id_number": "11010519491231002X", "mobile": "13800138000"})").status, 200)
      << "another vendor is not affected";
  // A slow vendor (delay) still answers; bad knobs are refused and the last good ones stay.
  ASSERT_EQ(publish_dynamic(reg.port, "identity.sandbox_faults: \"{delay_ms: 200, jitter_ms: 50}\"\n", "test", kSecret).status, 200);
  ASSERT_TRUE(eventually([&] { return call(path, body).status == 200; }, 10s));
  // (The config center refuses them; stored unchecked, the vendor's process does.)
  auto checked = publish_dynamic(reg.port, "identity.sandbox_faults: \"{delay_ms: -5}\"\n", "test", kSecret);
  EXPECT_TRUE(refused(checked, 400, "REGISTRY_CONFIG_INVALID")) << checked.body;
  EXPECT_NE(checked.body.find("delay_ms 应在0到120000之间"), std::string::npos) << checked.body;
  ASSERT_EQ(publish_dynamic(reg.port, "identity.sandbox_faults: \"{delay_ms: -5}\"\n", "test", kSecret, false).status, 200);
  auto acks = forwarded(reg.port, "GET", "/api/registry/v1/configs/public/zhongtai/sandbox.yaml/acks", kSecret, "", staff_caller({"governance.read"}));
  ASSERT_TRUE(eventually([&] {
    acks = forwarded(reg.port, "GET", "/api/registry/v1/configs/public/zhongtai/sandbox.yaml/acks", kSecret, "", staff_caller({"governance.read"}));
    return acks.body.find("delay_ms 应在0到120000之间") != std::string::npos;
  }, 10s)) << acks.body;
  EXPECT_EQ(call(path, body).status, 200);
}

}  // namespace
}  // namespace zt::test
