#pragma once
// The key ring sealing personal data at rest in this process (DESIGN §4): node.data_keys from the
// environment or a mounted secret (Kubernetes), else <data_dir>/data.keys, made on first start
// with mode 0600 (embedded mode). Loaded once; every component shares it.
#include "core/config/config.hpp"
#include "core/crypto/seal.hpp"

namespace zt::core {

const crypto::KeyRing& node_keys(const config::Config& cfg);

}  // namespace zt::core
