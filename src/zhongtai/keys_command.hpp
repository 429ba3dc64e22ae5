#pragma once
// `zhongtai keys`: the keys our services sign their calls to each other with
// (core/http/identity.hpp, docs/security.md).
//   zhongtai keys master [-o FILE]                         a new deployment master (keep it offline)
//   zhongtai keys derive --master FILE -s SERVICE… [-o FILE] [--peer NAME…]
//                                                          one process's key file: the pair keys of
//                                                          its services with every other service
#include <string>
#include <vector>

#include "core/app/component.hpp"

namespace zt {

struct KeysOptions {
  std::string master_file;
  std::vector<std::string> services;
  std::vector<std::string> peers;  // beyond the services the binary knows (an upstream of one's own)
  std::string out;                 // "" for standard output
};

int keys_master_command(const KeysOptions& options);
int keys_derive_command(const std::vector<core::ComponentSpec>& specs, const KeysOptions& options);

}  // namespace zt
