#pragma once
// Test harness: child processes, free ports, temp directories.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace zt::test {

// A fresh directory under $TMPDIR, removed by the destructor unless keep() was called.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "zt");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool keep_ = false;
};

// A port nobody listens on right now (bind to 0, read, close).
int free_port();

struct ProcessOptions {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;  // added to the inherited environment
  std::string log_file;                    // stdout+stderr; empty: /dev/null
  std::string run_as_user;                 // drop to this user (PostgreSQL refuses root)
  std::string cwd;
};

class Process {
 public:
  explicit Process(ProcessOptions options);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends sig and waits up to `wait`; returns the exit status (or 128+signal), -1 on timeout.
  int stop(int sig, std::chrono::milliseconds wait = std::chrono::seconds(30));
  int wait_exit(std::chrono::milliseconds wait);
  const std::string& log_file() const { return options_.log_file; }
  std::string log_text() const;

 private:
  ProcessOptions options_;
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

// Runs a command to completion; returns exit code and captures output.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult run(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env = {},
              const std::string& run_as_user = "");

// Polls fn until it returns true or the timeout passes. While it polls, polling() is true: helpers
// that fail a test on a missing value (json_field) let a state that is not reached yet pass.
bool polling();
bool eventually(const std::function<bool()>& fn, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(50));

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

}  // namespace zt::test
