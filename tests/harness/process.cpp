#include "harness/process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace zt::test {

TempDir::TempDir(const std::string& prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
  ::chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int free_port() {
  // The kernel may hand the same port to two binds in a row once the first socket is closed: never
  // give one out twice in this test program (two servers on one port would share its connections).
  static std::mutex mutex;
  static std::set<int> given;
  std::lock_guard lock(mutex);
  for (int attempt = 0;; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int port = ntohs(addr.sin_port);
    ::close(fd);
    if (given.insert(port).second || attempt >= 1000) return port;
  }
}

namespace {

// Everything the child needs, made before fork(): the parent has other threads (fake servers,
// heartbeats), and one of them may hold the allocator's lock at the moment of the fork — a child
// that then allocates (setenv, a vector) waits for it forever, a process that never starts. So the
// child only makes async-signal-safe calls and execve()s what was prepared here.
struct Prepared {
  Prepared() = default;
  Prepared(Prepared&&) = default;  // the vectors' buffers move whole: the pointers into them stay good
  Prepared(const Prepared&) = delete;  // a copy's pointers would point into the original
  std::string program;             // the path execve() runs (PATH searched here, not in the child)
  std::vector<std::string> argv_s, env_s;
  std::vector<char*> argv, env;
  std::string cwd;
  bool as_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::string find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return name;  // execve fails, the child exits 127
}

Prepared prepare(const ProcessOptions& o) {
  Prepared p;
  p.program = find_program(o.argv.at(0));
  p.argv_s = o.argv;
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv(*e);
    const auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (!o.run_as_user.empty()) {
    passwd* pw = ::getpwnam(o.run_as_user.c_str());
    if (!pw) throw std::runtime_error("no such user: " + o.run_as_user);
    p.as_user = true;
    p.uid = pw->pw_uid;
    p.gid = pw->pw_gid;
    env["HOME"] = pw->pw_dir;
    int n = 64;
    p.groups.resize(static_cast<std::size_t>(n));
    if (::getgrouplist(pw->pw_name, pw->pw_gid, p.groups.data(), &n) < 0) {
      p.groups.resize(static_cast<std::size_t>(n));
      ::getgrouplist(pw->pw_name, pw->pw_gid, p.groups.data(), &n);
    }
    p.groups.resize(static_cast<std::size_t>(n));
  }
  for (const auto& [k, v] : o.env) env[k] = v;
  for (const auto& [k, v] : env) p.env_s.push_back(k + "=" + v);
  for (auto& a : p.argv_s) p.argv.push_back(a.data());
  p.argv.push_back(nullptr);
  for (auto& e : p.env_s) p.env.push_back(e.data());
  p.env.push_back(nullptr);
  p.cwd = o.cwd;
  return p;
}

[[noreturn]] void exec_child(const Prepared& p, int out_fd) {
  if (out_fd >= 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
  }
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!p.cwd.empty() && ::chdir(p.cwd.c_str()) != 0) _exit(126);
  if (p.as_user) {
    if (::setgroups(p.groups.size(), p.groups.data()) != 0 || ::setgid(p.gid) != 0 || ::setuid(p.uid) != 0) _exit(125);
  }
  ::execve(p.program.c_str(), p.argv.data(), p.env.data());
  _exit(127);
}

}  // namespace

Process::Process(ProcessOptions options) : options_(std::move(options)) {
  const Prepared prepared = prepare(options_);
  int out_fd = -1;
  if (!options_.log_file.empty()) {
    out_fd = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } else {
    out_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) exec_child(prepared, out_fd);
  if (out_fd >= 0) ::close(out_fd);
}

Process::~Process() {
  if (!reaped_ && pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
}

bool Process::running() {
  if (reaped_) return false;
  int st;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

int Process::wait_exit(std::chrono::milliseconds wait) {
  auto until = std::chrono::steady_clock::now() + wait;
  while (running()) {
    if (std::chrono::steady_clock::now() > until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

int Process::stop(int sig, std::chrono::milliseconds wait) {
  if (!running()) return status_;
  ::kill(pid_, sig);
  return wait_exit(wait);
}

std::string Process::log_text() const { return options_.log_file.empty() ? "" : read_file(options_.log_file); }

RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              const std::string& run_as_user) {
  TempDir dir("zt-run");
  std::string log = dir.path() + "/out.txt";
  ::chmod(dir.path().c_str(), 0777);
  RunResult r;
  {
    Process p({argv, env, log, run_as_user, ""});
    r.exit_code = p.wait_exit(std::chrono::minutes(5));
  }
  r.output = read_file(log);
  return r;
}

namespace {
thread_local int polling_depth = 0;
struct Polling {
  Polling() { ++polling_depth; }
  ~Polling() { --polling_depth; }
  Polling(const Polling&) = delete;
  Polling& operator=(const Polling&) = delete;
};
}  // namespace

bool polling() { return polling_depth > 0; }

bool eventually(const std::function<bool()>& fn, std::chrono::milliseconds timeout, std::chrono::milliseconds step) {
  const Polling scope;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (fn()) return true;
    std::this_thread::sleep_for(step);
  }
  return fn();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
}

}  // namespace zt::test
