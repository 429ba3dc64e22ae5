#pragma once
// The providers a vendor service can run with, by the name its `provider` setting takes (the
// schema's choices, vendor_fields(), are the names every vendor service knows: sandbox and http).
// A component lists its providers once, name → how to make it; adding one (a second bank's
// protocol, another operator) is one entry, not another `if (name == …)`:
//
//   const vendor_kit::Providers<BankProvider> providers{"bank", {
//       {"sandbox", [&] { return std::make_unique<Sandbox>(…); }},
//       {"http", [&] { return std::make_unique<Http>(…); }}}};
//   provider_ = providers.make(c.get_string("provider"));
#include <fmt/format.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace zt::platform::vendor_kit {

template <class Provider>
class Providers {
 public:
  using Make = std::function<std::unique_ptr<Provider>()>;

  Providers(std::string service, std::vector<std::pair<std::string, Make>> table)
      : service_(std::move(service)), table_(std::move(table)) {}

  // The provider named so; a name the table does not have stops the start, naming the known ones.
  std::unique_ptr<Provider> make(const std::string& name) const {
    std::string known;
    for (const auto& [n, make_one] : table_) {
      if (n == name) return make_one();
      known += (known.empty() ? "" : ", ") + n;
    }
    throw std::runtime_error(fmt::format("{}.provider: no provider named {} (known: {})", service_, name, known));
  }

 private:
  std::string service_;
  std::vector<std::pair<std::string, Make>> table_;
};

}  // namespace zt::platform::vendor_kit
