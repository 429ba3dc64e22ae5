#include "platform/notify/outbox.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>

#include "core/finance/identity.hpp"

namespace zt::platform::notify {

namespace {

struct Template {
  const char* id;
  const char* text;
  std::vector<const char*> params;
};

const std::vector<Template>& templates() {
  static const std::vector<Template> t = {
      {"login_code", "【中台证券】您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。", {"code"}},
      {"reset_code", "【中台证券】您正在重置登录密码，验证码{code}，5分钟内有效，请勿泄露。", {"code"}},
      {"password_code", "【中台证券】您正在设置登录密码，验证码{code}，5分钟内有效，请勿泄露给任何人。", {"code"}},
      {"password_changed",
       "【中台证券】您的登录密码已于{time}修改，其他设备已退出登录。如非本人操作，请立即联系客服。",
       {"time"}},
      {"notice", "【中台证券】{text}", {"text"}},
      {"alert", "【中台告警】{text}", {"text"}},  // the observer's alert notices, to staff
  };
  return t;
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string new_id() {
  unsigned char b[12];
  RAND_bytes(b, sizeof b);
  std::string out = "msg-";
  for (unsigned char c : b) out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace

std::optional<std::string> render(const std::string& template_id, const std::map<std::string, std::string>& params,
                                  SendError& error) {
  const auto& all = templates();
  auto t = std::find_if(all.begin(), all.end(), [&](const Template& x) { return template_id == x.id; });
  if (t == all.end()) {
    error = {"NOTIFY_UNKNOWN_TEMPLATE", "未知的消息模板：" + template_id};
    return std::nullopt;
  }
  for (const auto& [name, value] : params)
    if (std::none_of(t->params.begin(), t->params.end(), [&](const char* p) { return name == p; })) {
      error = {"NOTIFY_BAD_PARAMS", "模板 " + template_id + " 没有参数 " + name};
      return std::nullopt;
    }
  std::string text = t->text;
  for (const char* p : t->params) {
    auto it = params.find(p);
    if (it == params.end() || it->second.empty()) {
      error = {"NOTIFY_BAD_PARAMS", fmt::format("缺少模板参数 {}", p)};
      return std::nullopt;
    }
    const std::string& v = it->second;
    if (std::string_view(p) == "code" &&
        (v.size() < 4 || v.size() > 8 || !std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); }))) {
      error = {"NOTIFY_BAD_PARAMS", "验证码应为4到8位数字"};
      return std::nullopt;
    }
    if (std::string_view(p) == "text" && code_points(v) > 300) {
      error = {"NOTIFY_BAD_PARAMS", "通知内容不能超过300个字符"};
      return std::nullopt;
    }
    const std::string placeholder = fmt::format("{{{}}}", p);
    text.replace(text.find(placeholder), placeholder.size(), v);
  }
  return text;
}

std::optional<std::string> normalise_recipient(const std::string& channel, const std::string& recipient, SendError& error) {
  if (channel == "sms") {
    if (!core::finance::is_valid_mobile(recipient)) {
      error = {"NOTIFY_BAD_RECIPIENT", "手机号码格式不正确"};
      return std::nullopt;
    }
    return recipient;
  }
  if (channel == "email") {
    std::string r = recipient;
    std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = r.find('@');
    if (r.size() > 254 || at == std::string::npos || at == 0 || r.find('@', at + 1) != std::string::npos ||
        r.find('.', at) == std::string::npos || r.back() == '.' ||
        std::any_of(r.begin(), r.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; })) {
      error = {"NOTIFY_BAD_RECIPIENT", "电子邮箱格式不正确"};
      return std::nullopt;
    }
    return r;
  }
  error = {"NOTIFY_BAD_CHANNEL", "不支持的发送渠道：" + channel};
  return std::nullopt;
}

std::string mask_recipient(const std::string& channel, const std::string& recipient) {
  if (channel == "sms") return core::finance::mask_mobile(recipient);
  const auto at = recipient.find('@');
  if (at == std::string::npos) return "***";
  return recipient.substr(0, std::min<std::size_t>(1, at)) + "***" + recipient.substr(at);
}

OutboxItem Outbox::store(core::storage::Tx& tx, const std::string& channel, const std::string& recipient,
                         const std::string& template_id, const std::string& text, const std::string& sender, std::int64_t now_ms) {
  OutboxItem item{new_id(), channel, mask_recipient(channel, recipient), template_id, text, sender, now_ms};
  const std::string context = "notify_outbox.recipient";
  tx.exec("INSERT INTO notify_outbox (id, channel, recipient_sealed, recipient_hash, recipient_masked, template, text, sender, "
          "created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {item.id, channel, keys_.seal(recipient, context), keys_.keyed_hash(channel + ":" + recipient, context), item.recipient,
           template_id, text, sender, now_ms});
  return item;
}

OutboxPage Outbox::list(core::storage::Tx& tx, const std::string& channel, const std::string& recipient, std::int64_t limit,
                        const std::string& cursor) const {
  // Cursor: "<created_at_ms>.<id>" of the last item of the previous page.
  std::int64_t before_ms = std::numeric_limits<std::int64_t>::max();
  std::string before_id = "~";
  if (!cursor.empty()) {
    const auto dot = cursor.find('.');
    before_ms = std::stoll(cursor.substr(0, dot));
    before_id = cursor.substr(dot + 1);
  }
  std::string sql =
      "SELECT id, channel, recipient_masked, template, text, sender, created_at_ms FROM notify_outbox "
      "WHERE (created_at_ms < ? OR (created_at_ms = ? AND id < ?))";
  core::storage::Params params{before_ms, before_ms, before_id};
  if (!recipient.empty()) {
    sql += " AND recipient_hash = ?";
    params.emplace_back(keys_.keyed_hash(channel + ":" + recipient, "notify_outbox.recipient"));
  }
  sql += " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
  params.emplace_back(limit + 1);
  auto rows = tx.query(sql, params);
  OutboxPage page;
  for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) {
    const auto& r = rows.at(i);
    page.items.push_back({r.string(0), r.string(1), r.string(2), r.string(3), r.string(4), r.string(5), r.int64(6)});
  }
  if (static_cast<std::int64_t>(rows.size()) > limit)
    page.next_cursor = fmt::format("{}.{}", page.items.back().created_at_ms, page.items.back().id);
  return page;
}

}  // namespace zt::platform::notify
