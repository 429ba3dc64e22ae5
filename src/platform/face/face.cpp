#include "platform/face/face.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <regex>

#include "core/observe/log.hpp"
#include "core/util/digest.hpp"
#include "platform/vendor_kit/providers.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"

std::span<const zt::core::EmbeddedFile> zt_face_openapi();

namespace zt::platform::face {

namespace {

using vendor_kit::Result;

const vendor_kit::SandboxFaults kFaults{"face", "人脸识别"};

std::string token_of(const std::string& image) {
  static const std::regex token("ZT-FACE:([0-9a-f]{16})");
  std::smatch m;
  return std::regex_search(image, m, token) ? std::string(m[1]) : std::string();
}

struct Score {
  std::int64_t score = 0;
};
BOOST_DESCRIBE_STRUCT(Score, (), (score))

class Sandbox final : public FaceProvider {
 public:
  boost::asio::awaitable<Result<Liveness>> liveness(std::string image, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    const bool live = sandbox_live(image);
    co_return Liveness{live, live ? 90 : 10, live ? "活体检测通过" : "活体检测未通过，请正对镜头重新拍摄"};
  }
  boost::asio::awaitable<Result<std::int64_t>> score(std::string image, std::string reference, const core::http::RequestContext*) override {
    if (auto fault = co_await kFaults.inject()) co_return *fault;
    co_return sandbox_score(image, reference);
  }
};

class Http final : public FaceProvider {
 public:
  Http(vendor_kit::VendorSettings s, core::observe::Registry* m) : client_(std::move(s), m) {}
  boost::asio::awaitable<Result<Liveness>> liveness(std::string image, const core::http::RequestContext* ctx) override {
    boost::json::object body{{"image", core::base64_encode(image)}};
    const std::string path = "/face/liveness";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    co_return vendor_kit::from_vendor<Liveness>(std::move(answer), client_.settings());
  }
  boost::asio::awaitable<Result<std::int64_t>> score(std::string image, std::string reference, const core::http::RequestContext* ctx) override {
    boost::json::object body{{"image", core::base64_encode(image)}, {"reference", core::base64_encode(reference)}};
    const std::string path = "/face/compare";
    auto answer = co_await client_.call(path, std::move(body), true, ctx);
    auto s = vendor_kit::from_vendor<Score>(std::move(answer), client_.settings());
    if (auto* r = std::get_if<core::Refusal>(&s)) co_return *r;
    const auto v = std::get<Score>(s).score;
    if (v < 0 || v > 100) co_return core::Refusal{502, "FACE_VENDOR_BAD_RESPONSE", "人脸识别返回了无法识别的结果"};
    co_return v;
  }

 private:
  vendor_kit::VendorClient client_;
};

std::optional<std::string> decode(const std::string& b64) {
  if (b64.empty() || b64.size() > 600'000) return std::nullopt;  // two fit in one 1 MiB request
  return core::base64_decode(b64);
}

class FaceComponent final : public core::Component {
 public:
  explicit FaceComponent(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    provider_name_ = c.get_string("provider");
    threshold_ = c.get_int("threshold");
    const vendor_kit::Providers<FaceProvider> providers{
        "face",
        {{"sandbox", [] { return std::make_unique<Sandbox>(); }},
         {"http", [&] { return std::make_unique<Http>(vendor_kit::vendor_settings(c, "face", "人脸识别"), &ctx.metrics()); }}}};
    provider_ = providers.make(provider_name_);
    auto& r = ctx.public_router();
    vendor_kit::add_operation<LivenessQuery>(r, "/api/face/v1/liveness", "face",
                                         [this](LivenessQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<Liveness>> {
                                           auto image = decode(q.image);
                                           if (!image) co_return core::Refusal{400, "FACE_IMAGE_INVALID", "图像应为不超过600KB的 base64 数据"};
                                           co_return co_await provider_->liveness(std::move(*image), &rc);
                                         });
    vendor_kit::add_operation<CompareQuery>(r, "/api/face/v1/comparisons", "face",
                                        [this](CompareQuery q, core::http::RequestContext& rc) -> boost::asio::awaitable<Result<Comparison>> {
                                          auto image = decode(q.image), reference = decode(q.reference);
                                          if (!image || !reference) co_return core::Refusal{400, "FACE_IMAGE_INVALID", "图像应为不超过600KB的 base64 数据"};
                                          auto s = co_await provider_->score(std::move(*image), std::move(*reference), &rc);
                                          if (auto* refusal = std::get_if<core::Refusal>(&s)) co_return *refusal;
                                          const auto score = std::get<std::int64_t>(s);
                                          const bool same = score >= threshold_;
                                          rc.log().info("face: comparison for {}: score {} (threshold {})", rc.calling_service, score, threshold_);
                                          co_return Comparison{score, threshold_, same, same ? "人脸比对通过" : fmt::format("人脸比对未通过（相似度{}，需达到{}）", score, threshold_)};
                                        });
  }
  void start() override { core::log::info("face: provider {}, threshold {}", provider_name_, threshold_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::int64_t threshold_ = 80;
  std::unique_ptr<FaceProvider> provider_;
};

}  // namespace

bool sandbox_live(const std::string& image) { return image.size() >= 64 && image.find("SPOOF") == std::string::npos; }

std::int64_t sandbox_score(const std::string& image, const std::string& reference) {
  const auto a = token_of(image), b = token_of(reference);
  if (!a.empty() && !b.empty()) return a == b ? 95 : 20;
  if (image == reference) return 100;
  const auto h = core::sha256_hex(image + '\n' + reference);
  return 30 + std::stoi(h.substr(0, 2), nullptr, 16) % 40;
}

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "face";
  s.description = "face liveness and comparison with a score and threshold (sandbox: deterministic on the image)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  auto fields = vendor_kit::vendor_fields();
  fields.push_back(integer("threshold", 80).range(1, 100).describe("score at or above which two faces are the same person"));
  s.schema = {"face", fields, "人脸识别 (the vendor, or the sandbox)"};
  s.openapi = &zt_face_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<FaceComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::face
