#include "platform/phone/phone.hpp"

#include "core/finance/identity.hpp"
#include "core/observe/log.hpp"
#include "platform/vendor_kit/providers.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"
#include "platform/vendor_kit/sandbox_people.hpp"

std::span<const zt::core::EmbeddedFile> zt_phone_openapi();

namespace zt::platform::phone {

namespace {

using vendor_kit::Result;

const vendor_kit::SandboxFaults kFaults{"phone", "运营商三要素核验"};

class Sandbox final : public PhoneProvider {
 public:
  boost::asio::awaitable<Result<PhoneCheck>> verify(PhoneQuery q, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    std::string result;
    if (const auto* p = vendor_kit::sandbox_person(q.id_number)) result = p->name == q.name && p->mobile == q.mobile ? "match" : "mismatch";
    else result = q.mobile.back() == '8' ? "mismatch" : q.mobile.back() == '9' ? "no_record" : "match";
    co_return PhoneCheck{result, result == "match" ? "姓名、身份证号码与手机号码一致" : result == "mismatch" ? "手机号码与本人身份信息不一致" : "运营商无此手机号码的实名记录"};
  }
};

class Http final : public PhoneProvider {
 public:
  Http(vendor_kit::VendorSettings s, core::observe::Registry* m) : client_(std::move(s), m) {}
  boost::asio::awaitable<Result<PhoneCheck>> verify(PhoneQuery q, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(q);
    const std::string path = "/phone/verify";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    auto out = vendor_kit::from_vendor<PhoneCheck>(std::move(answer), client_.settings());
    if (auto* c = std::get_if<PhoneCheck>(&out); c && c->result != "match" && c->result != "mismatch" && c->result != "no_record")
      co_return core::Refusal{502, "PHONE_VENDOR_BAD_RESPONSE", "运营商三要素核验返回了无法识别的结果"};
    co_return out;
  }

 private:
  vendor_kit::VendorClient client_;
};

class PhoneComponent final : public core::Component {
 public:
  explicit PhoneComponent(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    provider_name_ = c.get_string("provider");
    const vendor_kit::Providers<PhoneProvider> providers{
        "phone",
        {{"sandbox", [] { return std::make_unique<Sandbox>(); }},
         {"http", [&] { return std::make_unique<Http>(vendor_kit::vendor_settings(c, "phone", "运营商三要素核验"), &ctx.metrics()); }}}};
    provider_ = providers.make(provider_name_);
    vendor_kit::add_operation<PhoneQuery>(ctx.public_router(), "/api/phone/v1/verifications", "phone",
                                      [this](PhoneQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<PhoneCheck>> {
                                        if (auto bad = vendor_kit::normalise_id_number(q.id_number, "PHONE")) co_return *bad;
                                        if (!core::finance::is_valid_mobile(q.mobile)) co_return core::Refusal{400, "PHONE_MOBILE_INVALID", "手机号码格式不正确"};
                                        const std::string masked = core::finance::mask_mobile(q.mobile);
                                        auto out = co_await provider_->verify(std::move(q), &rc);
                                        if (auto* r = std::get_if<PhoneCheck>(&out)) rc.log().info("phone: {} checked for {}: {}", masked, rc.calling_service, r->result);
                                        co_return out;
                                      });
  }
  void start() override { core::log::info("phone: provider {}", provider_name_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::unique_ptr<PhoneProvider> provider_;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec s;
  s.name = "phone";
  s.description = "operator three-factor check: name, ID number and mobile (sandbox: documented rules)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"phone", vendor_kit::vendor_fields(), "运营商三要素核验 (the vendor, or the sandbox)"};
  s.openapi = &zt_phone_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<PhoneComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::phone
