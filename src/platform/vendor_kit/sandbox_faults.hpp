#pragma once
// Latency and failure knobs of a sandbox vendor (issue 8: load tests reproduce slow third
// parties). The dynamic setting `<vendor>.sandbox_faults`, live from the config center:
//
//   identity.sandbox_faults: "{delay_ms: 2000, jitter_ms: 200, slow_rate: 0.01, slow_ms: 8000, error_rate: 0.02}"
//
//   delay_ms    every call waits this long (default 0) ...
//   jitter_ms   ... plus or minus up to this, uniformly
//   slow_rate   this share of calls waits slow_ms instead (a tail, like the counter's at its busiest)
//   error_rate  this share of calls fails as the vendor being unavailable (503)
//
// Draws come from one generator per process; the rules they feed are the sandbox's own.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

#include "core/util/refusal.hpp"

namespace zt::platform::vendor_kit {

struct Faults {
  std::int64_t delay_ms = 0;
  std::int64_t jitter_ms = 0;
  double slow_rate = 0;
  std::int64_t slow_ms = 0;
  double error_rate = 0;
};

// Parses the setting's text; the reason in Chinese when it does not parse.
std::optional<Faults> parse_faults(const std::string& text, std::string* problem = nullptr);

class SandboxFaults {
 public:
  // Declares `<vendor>.sandbox_faults` (call once per vendor, at static initialisation).
  SandboxFaults(std::string vendor, std::string title);
  ~SandboxFaults();
  SandboxFaults(const SandboxFaults&) = delete;
  SandboxFaults& operator=(const SandboxFaults&) = delete;

  // Waits as the knobs say, then answers a refusal when this call is to fail.
  boost::asio::awaitable<std::optional<core::Refusal>> inject() const;
  Faults current() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::platform::vendor_kit
