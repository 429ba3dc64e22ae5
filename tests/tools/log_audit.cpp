// functional.logs_hold_no_secrets: after every functional test has run, searches every zhongtai
// log they kept (tests/harness/log_audit.hpp) for
//   - any secret the harness saw pass: SMS codes, passwords, refresh and access tokens, TOTP
//     secrets and their URIs;
//   - any full mainland mobile number (11 digits, 1[3-9]…): logs show 138****8000;
//   - any JWT (eyJ….eyJ….…) and any SMS text with its code (验证码为N…).
// Exits 1 naming file, line and rule for each finding (the finding itself masked), 2 when there
// was nothing to audit (the harness kept no log: the audit would pass vacuously).
//
// Usage: log_audit <ZT_LOG_AUDIT_DIR>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kPrefix = 6;  // secrets are at least this long (log_audit.cpp)

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::string masked(std::string_view s) {
  if (s.size() <= 4) return std::string(s.size(), '*');
  return std::string(s.substr(0, 2)) + std::string(s.size() - 4, '*') + std::string(s.substr(s.size() - 2));
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Finding {
  std::string file;
  std::size_t line;
  std::string rule;
  std::string what;
};

class Auditor {
 public:
  explicit Auditor(const std::set<std::string>& secrets) {
    for (const auto& s : secrets)
      if (s.size() >= kPrefix) by_prefix_[s.substr(0, kPrefix)].push_back(s);
  }

  void audit(const std::string& file, const std::string& text, std::vector<Finding>& out) const {
    std::size_t line = 1;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '\n') {
        ++line;
        continue;
      }
      const bool at_start = i == 0 || !alnum(text[i - 1]);
      if (i + kPrefix <= text.size()) {
        if (auto it = by_prefix_.find(std::string_view(text).substr(i, kPrefix)); it != by_prefix_.end()) {
          for (const auto& s : it->second) {
            if (text.compare(i, s.size(), s) != 0) continue;
            // Short secrets (six-digit codes) only as a whole word: 13-digit timestamps and hex
            // trace ids hold any six digits somewhere.
            const bool at_end = i + s.size() == text.size() || !alnum(text[i + s.size()]);
            if (s.size() < 12 && !(at_start && at_end)) continue;
            out.push_back({file, line, "secret", masked(s)});
          }
        }
      }
      if (at_start && c == '1' && i + 11 <= text.size()) {
        std::size_t n = 0;
        while (i + n < text.size() && digit(text[i + n])) ++n;
        if (n == 11 && text[i + 1] >= '3' && (i + n == text.size() || !alnum(text[i + n])))
          out.push_back({file, line, "full mobile number", masked(text.substr(i, n))});
      }
      if (at_start && text.compare(i, 3, "eyJ") == 0 && looks_like_jwt(text, i)) out.push_back({file, line, "JWT", "eyJ…"});
      if (text.compare(i, 12, "验证码为") == 0 && i + 12 < text.size() && digit(text[i + 12]))
        out.push_back({file, line, "SMS text with its code", "验证码为…"});
    }
  }

 private:
  static bool looks_like_jwt(const std::string& t, std::size_t i) {
    auto part = [&](std::size_t& at, std::size_t least) {
      std::size_t n = 0;
      while (at < t.size() && (alnum(t[at]) || t[at] == '-' || t[at] == '_')) ++at, ++n;
      return n >= least;
    };
    std::size_t at = i;
    if (!part(at, 10) || at >= t.size() || t[at] != '.') return false;
    ++at;
    if (!part(at, 10) || at >= t.size() || t[at] != '.') return false;
    ++at;
    return part(at, 16);
  }

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> by_prefix_;
};

struct Result {
  std::size_t logs = 0, secrets = 0;
  std::uintmax_t bytes = 0, lines = 0;
  std::vector<Finding> findings;
};

Result audit_dir(const fs::path& dir) {
  Result r;
  std::set<std::string> secrets;
  if (fs::exists(dir / "secrets"))
    for (const auto& e : fs::directory_iterator(dir / "secrets")) {
      std::istringstream in(read_all(e.path()));
      for (std::string s; std::getline(in, s);)
        if (!s.empty()) secrets.insert(s);
    }
  r.secrets = secrets.size();
  std::vector<fs::path> logs;
  if (fs::exists(dir / "logs"))
    for (const auto& e : fs::directory_iterator(dir / "logs")) logs.push_back(e.path());
  std::sort(logs.begin(), logs.end());
  r.logs = logs.size();
  Auditor auditor(secrets);
  for (const auto& p : logs) {
    const std::string text = read_all(p);
    r.bytes += text.size();
    r.lines += static_cast<std::uintmax_t>(std::count(text.begin(), text.end(), '\n'));
    auditor.audit(p.filename().string(), text, r.findings);
  }
  return r;
}

// The audit finds what it is for, and nothing in lines the platform legitimately writes.
int self_test() {
  const fs::path dir = fs::temp_directory_path() / ("zt-log-audit-self-" + std::to_string(::getpid()));
  fs::create_directories(dir / "secrets");
  fs::create_directories(dir / "logs");
  std::ofstream(dir / "secrets" / "1.txt") << "482913\nTiger2026x\nrt-0123456789abcdef0123\n";
  std::ofstream(dir / "logs" / "clean.log")
      << R"x({"ts":"2026-12-01T08:00:00.482913Z","ts_ms":1764576000482,"msg":"auth: sign-in code sent to 138****8000","trace_id":"4829134bf92f3577b34da6a3ce929d0e"})x" "\n"
      << R"x({"msg":"auth: customer C000000482913 signed in (session ses-482913aa00ff00ff00ff)","upstream_us":4829130,"staff":"S0000482913"})x" "\n";
  std::ofstream(dir / "logs" / "leaky.log")
      << R"x({"msg":"code 482913 sent"})x" "\n"                                      // 1 secret (code)
      << R"x({"msg":"password=Tiger2026x"})x" "\n"                                  // 2 secret (password)
      << R"x({"msg":"refresh rt-0123456789abcdef0123"})x" "\n"                      // 3 secret (token)
      << R"x({"msg":"sms to 13800138000"})x" "\n"                                   // 4 full mobile
      << R"x({"authorization":"Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJDMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"})x" "\n"  // 5 JWT
      << R"x({"msg":"【中台】您的验证码为771122"})x" "\n";                                 // 6 SMS text
  const Result r = audit_dir(dir);
  fs::remove_all(dir);
  const std::vector<std::pair<std::size_t, std::string>> expected{
      {1, "secret"}, {2, "secret"}, {3, "secret"}, {4, "full mobile number"}, {5, "JWT"}, {6, "SMS text with its code"}};
  bool ok = r.logs == 2 && r.secrets == 3;
  for (const auto& f : r.findings) {
    const bool wanted = f.file == "leaky.log" && std::any_of(expected.begin(), expected.end(), [&](const auto& e) { return e.first == f.line && e.second == f.rule; });
    if (!wanted) std::cout << "self-test: unexpected finding " << f.file << ":" << f.line << " " << f.rule << "\n";
    ok = ok && wanted;
  }
  for (const auto& [line, rule] : expected) {
    const bool found = std::any_of(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.line == line && f.rule == rule; });
    if (!found) std::cout << "self-test: missed " << rule << " on line " << line << "\n";
    ok = ok && found;
  }
  std::cout << "log_audit self-test: " << (ok ? "passed" : "FAILED") << "\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--self-test") return self_test();
  if (argc != 2) {
    std::cerr << "usage: log_audit <dir> | --self-test\n";
    return 2;
  }
  const Result r = audit_dir(argv[1]);
  if (r.logs == 0) {
    std::cerr << "log_audit: no zhongtai log was kept under " << argv[1] << " — nothing to audit\n";
    return 2;
  }
  std::cout << "log_audit: " << r.logs << " logs, " << r.lines << " lines, " << r.bytes << " bytes, " << r.secrets
            << " secrets seen by the harness\n";
  for (const auto& f : r.findings) std::cout << "  " << f.file << ":" << f.line << ": " << f.rule << " " << f.what << "\n";
  if (!r.findings.empty()) {
    std::cout << "log_audit: " << r.findings.size() << " findings (logs kept in " << (fs::path(argv[1]) / "logs").string() << ")\n";
    return 1;
  }
  std::cout << "log_audit: no secret, code, password, token or full mobile number in any log line\n";
  return 0;
}
