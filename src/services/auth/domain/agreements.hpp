#pragma once
// The agreements a customer accepts to use the app (用户服务协议, 隐私政策): their text, version and
// digest, as data shipped with the binary. Signing up, or signing in after a new version shipped,
// records the customer's acceptance of each current version (who, when, from where, the digest
// of the exact text) — the app's checkbox alone proves nothing (个人信息保护法 §14: consent given
// freely, explicitly, in knowledge of the text).
#include <string>
#include <vector>

namespace zt::services::auth {

struct Agreement {
  std::string id;       // terms | privacy
  std::string title;    // 用户服务协议
  std::string version;  // 2026-12
  std::string text;     // plain text, paragraphs separated by blank lines
  std::string digest;   // SHA-256 of the text, hex
};

// What a client says it accepted.
struct AgreementRef {
  std::string id;
  std::string version;
};

// The versions in force, in the order the app shows them.
const std::vector<Agreement>& current_agreements();

}  // namespace zt::services::auth
