#include "services/auth/domain/agreements.hpp"

#include "core/util/digest.hpp"

namespace zt::services::auth {

namespace {

// A new version is a new entry's text and version here: every customer accepts it at their next
// sign-in, and the acceptances of the old one stay on record.
const char* kTermsText =
    "一、协议的范围\n"
    "本协议是您与本公司就使用本应用（包括网上营业厅、理财商城等在线业务）所订立的协议。您点击同意或实际使用本应用，"
    "即表示您已阅读并同意本协议的全部内容。\n\n"
    "二、账户与安全\n"
    "您以本人手机号码注册并登录，应妥善保管短信验证码、登录密码及设备。凡使用您的验证码或密码完成的操作，均视为您本人的"
    "操作。"
    "发现账户被他人使用时，请立即修改密码、结束其他设备的登录，并联系客服。\n\n"
    "三、业务办理\n"
    "您通过本应用办理的开户、适当性评估、产品购买与赎回等业务，以本公司系统记录为准，并适用相关业务规则、产品合同和风险"
    "揭示书。"
    "本公司依照投资者适当性管理规定，向您提供与您风险承受能力相匹配的产品和服务。\n\n"
    "四、风险提示\n"
    "证券及金融产品投资有风险，过往业绩不代表未来表现。本应用展示的信息不构成投资建议，您应独立作出投资决策并自行承担投"
    "资风险。\n\n"
    "五、服务的变更与中止\n"
    "因系统维护、升级或不可抗力，本应用可能暂停部分服务，本公司将尽可能提前公告。本协议内容变更时，将在您下次登录时提示"
    "您重新阅读并同意。\n\n"
    "六、沙箱说明\n"
    "沙箱环境中的产品、净值、资金和短信均为演示数据，不构成真实交易。\n\n"
    "七、争议解决\n"
    "本协议适用中华人民共和国法律。因本协议产生的争议，双方协商解决；协商不成的，提交本公司住所地有管辖权的人民法院诉讼"
    "解决。";

const char* kPrivacyText =
    "一、我们收集的信息\n"
    "为向您提供服务，我们收集：您的手机号码（用于注册、登录和接收通知）；登录设备名称与网络地址（用于账户安全）；"
    "办理业务时您提供的身份信息、适当性问卷答案和投资经验材料（依照投资者适当性管理规定）；您的委托、持仓与资金记录。\n"
    "\n"
    "二、我们如何使用信息\n"
    "上述信息仅用于身份验证、业务办理、适当性管理、风险防控、依法报送和向您发送业务通知。我们不会将您的信息用于与上述目"
    "的无关的用途。\n\n"
    "三、我们如何保护信息\n"
    "手机号码、身份证件号码等敏感个人信息加密存储，在页面和日志中以掩码显示；工作人员仅在办理业务所需时、经授权后查看，"
    "且每次查看均记录在审计日志中。\n\n"
    "四、信息的共享与提供\n"
    "除依法向监管机构、中国证券登记结算有限责任公司、存管银行等提供外，未经您的单独同意，我们不会向第三方提供您的个人信"
    "息。\n\n"
    "五、信息的保存期限\n"
    "我们按照证券期货业法律法规要求的期限保存您的业务记录（一般不少于二十年），期限届满后删除或匿名化处理。\n\n"
    "六、您的权利\n"
    "您可以查询、复制和更正您的个人信息，撤回同意，注销账户。撤回同意不影响此前基于同意已进行的处理。\n\n"
    "七、联系我们\n"
    "如对本政策有任何疑问，请联系本公司客服。本政策更新时，我们将在您下次登录时提示您阅读并同意新版本。";

Agreement make(std::string id, std::string title, std::string version, std::string text) {
  std::string digest = core::sha256_hex(text);
  return Agreement{std::move(id), std::move(title), std::move(version), std::move(text), std::move(digest)};
}

}  // namespace

const std::vector<Agreement>& current_agreements() {
  static const std::vector<Agreement> kCurrent = {
      make("terms", "用户服务协议", "2026-12", kTermsText),
      make("privacy", "隐私政策", "2026-12", kPrivacyText),
  };
  return kCurrent;
}

}  // namespace zt::services::auth
