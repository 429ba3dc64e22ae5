// The test platform (harness/platform.hpp) for tests outside GoogleTest — the browser tests: starts
// it in a run mode with extra settings, prints {"port": …} (the public port: the single process or
// the split gateway — and how many processes acknowledge a config version) on one line, and stops
// it when its standard input closes.
//
//   platform_up all|split [ZT_KEY=value …]
//
// Exit status 0 when every process started and stopped cleanly.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "harness/platform.hpp"

int main(int argc, char** argv) {
  using zt::test::Mode;
  if (argc < 2 || (std::string(argv[1]) != "all" && std::string(argv[1]) != "split")) {
    std::cerr << "usage: platform_up all|split [ZT_KEY=value …]\n";
    return 2;
  }
  const Mode mode = std::string(argv[1]) == "split" ? Mode::kSplit : Mode::kAll;
  zt::test::Env extra;
  for (int i = 2; i < argc; ++i) {
    const std::string kv = argv[i];
    const auto eq = kv.find('=');
    if (eq == std::string::npos) {
      std::cerr << "platform_up: not KEY=value: " << kv << "\n";
      return 2;
    }
    extra[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  try {
    zt::test::Platform platform(mode, extra);
    std::cout << "{\"port\": " << platform.port() << ", \"followers\": " << platform.followers() << "}" << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
    }
  } catch (const std::exception& e) {
    std::cerr << "platform_up: " << e.what() << "\n";
    return 1;
  }
  // A process that did not stop cleanly (a sanitizer report) failed an expectation on the way out.
  return ::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed() ? 1 : 0;
}
