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
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

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

[[noreturn]] void exec_child(const ProcessOptions& o, int out_fd) {
  if (out_fd >= 0) {
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
  }
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) _exit(126);
  if (!o.run_as_user.empty()) {
    passwd* pw = ::getpwnam(o.run_as_user.c_str());
    if (!pw) _exit(125);
    ::initgroups(pw->pw_name, pw->pw_gid);
    if (::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) _exit(125);
    ::setenv("HOME", pw->pw_dir, 1);
  }
  for (const auto& [k, v] : o.env) ::setenv(k.c_str(), v.c_str(), 1);
  std::vector<char*> args;
  for (const auto& a : o.argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

Process::Process(ProcessOptions options) : options_(std::move(options)) {
  int out_fd = -1;
  if (!options_.log_file.empty()) {
    out_fd = ::open(options_.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  } else {
    out_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) exec_child(options_, out_fd);
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
