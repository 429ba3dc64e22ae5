#include "platform/identity/identity.hpp"

#include <fmt/format.h>

#include "core/app/component.hpp"
#include "core/finance/identity.hpp"
#include "core/observe/log.hpp"
#include "core/util/digest.hpp"
#include "platform/vendor_kit/providers.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"
#include "platform/vendor_kit/sandbox_people.hpp"

std::span<const zt::core::EmbeddedFile> zt_identity_openapi();

namespace zt::platform::identity {

namespace {

using vendor_kit::Result;

// Declared with the program, so every process knows the setting.
const vendor_kit::SandboxFaults kFaults{"identity", "公安身份核查"};

class Sandbox final : public IdentityProvider {
 public:
  boost::asio::awaitable<Result<IdentityCheck>> verify(IdentityQuery q, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    IdentityCheck out;
    const auto* person = vendor_kit::sandbox_person(q.id_number);
    const std::string sequence = q.id_number.substr(14, 3);
    if (person) out.result = person->name == q.name ? "match" : "mismatch";
    else if (sequence == "999") out.result = "no_record";
    else if (sequence == "998") out.result = "mismatch";
    else out.result = "match";
    out.message = out.result == "match" ? "身份信息一致" : out.result == "mismatch" ? "姓名与身份证号码不一致" : "公安系统中无此身份证号码";
    if (out.result == "match" && q.with_photo.value_or(false)) out.photo = sandbox_photo(q.id_number);
    co_return out;
  }
};

class Http final : public IdentityProvider {
 public:
  Http(vendor_kit::VendorSettings s, core::observe::Registry* m) : client_(std::move(s), m) {}
  boost::asio::awaitable<Result<IdentityCheck>> verify(IdentityQuery q, const core::http::RequestContext* ctx) override {
    auto body = vendor_kit::to_object(q);
    const std::string path = "/identity/verify";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    auto out = vendor_kit::from_vendor<IdentityCheck>(std::move(answer), client_.settings());
    if (auto* c = std::get_if<IdentityCheck>(&out); c && c->result != "match" && c->result != "mismatch" && c->result != "no_record")
      co_return core::Refusal{502, "IDENTITY_VENDOR_BAD_RESPONSE", "公安身份核查返回了无法识别的结果"};
    co_return out;
  }

 private:
  vendor_kit::VendorClient client_;
};

class IdentityComponent final : public core::Component {
 public:
  explicit IdentityComponent(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    provider_name_ = c.get_string("provider");
    const vendor_kit::Providers<IdentityProvider> providers{
        "identity",
        {{"sandbox", [] { return make_sandbox(); }},
         {"http", [&] { return make_http(vendor_kit::vendor_settings(c, "identity", "公安身份核查"), &ctx.metrics()); }}}};
    provider_ = providers.make(provider_name_);
    vendor_kit::add_operation<IdentityQuery>(
        ctx.public_router(), "/api/identity/v1/verifications", "identity",
        [this](IdentityQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<IdentityCheck>> {
          if (auto bad = vendor_kit::normalise_id_number(q.id_number, "IDENTITY")) co_return *bad;
          const auto n = std::count_if(q.name.begin(), q.name.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xc0) != 0x80; });
          if (n < 1 || n > 32) co_return core::Refusal{400, "IDENTITY_NAME_INVALID", "姓名应为1至32个字"};
          const std::string masked = core::finance::mask_resident_id(q.id_number);
          auto out = co_await provider_->verify(std::move(q), &rc);
          if (auto* r = std::get_if<IdentityCheck>(&out)) rc.log().info("identity: {} checked for {}: {}", masked, rc.calling_service, r->result);
          co_return out;
        });
  }
  void start() override { core::log::info("identity: provider {}", provider_name_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::unique_ptr<IdentityProvider> provider_;
};

}  // namespace

std::string sandbox_face_token(const std::string& id_number) { return core::sha256_hex("zt-sandbox-face:" + id_number).substr(0, 16); }

std::string sandbox_photo(const std::string& id_number) {
  const std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="180" height="220" viewBox="0 0 180 220"><rect width="180" height="220" fill="#e8eef5"/>)"
      R"(<circle cx="90" cy="80" r="42" fill="#9fb3c8"/><rect x="35" y="130" width="110" height="70" rx="30" fill="#9fb3c8"/>)"
      R"(<text x="90" y="212" font-size="11" text-anchor="middle" fill="#52606d">沙箱证件照 {}</text><desc>ZT-FACE:{}</desc></svg>)",
      core::finance::mask_resident_id(id_number), sandbox_face_token(id_number));
  return core::base64_encode(svg);
}

std::unique_ptr<IdentityProvider> make_sandbox() { return std::make_unique<Sandbox>(); }
std::unique_ptr<IdentityProvider> make_http(vendor_kit::VendorSettings s, core::observe::Registry* m) { return std::make_unique<Http>(std::move(s), m); }

core::ComponentSpec spec() {
  core::ComponentSpec s;
  s.name = "identity";
  s.description = "公安 identity check: name and ID number, with the ID photo (sandbox: documented rules)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"identity", vendor_kit::vendor_fields(), "公安身份核查 (the vendor, or the sandbox)"};
  s.openapi = &zt_identity_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<IdentityComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::identity
