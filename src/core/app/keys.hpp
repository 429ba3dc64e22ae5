#pragma once
// The key ring sealing personal data at rest in this process (DESIGN §4): node.data_keys from the
// environment or a mounted secret (Kubernetes), else <data_dir>/data.keys, made on first start
// with mode 0600 (embedded mode). Loaded once; every component shares it.
#include "core/config/config.hpp"
#include "core/crypto/seal.hpp"

namespace zt::core {

const crypto::KeyRing& node_keys(const config::Config& cfg);

class ComponentContext;
// The ring, checked against the component's own database: the key check values of every key that
// sealed data there (and of the keyed-hash key) are kept in the table zt_key_checks, and a ring
// that lacks one, or holds other bytes under its id, stops the start — naming the ring's file —
// instead of making ciphertexts that no longer open and lookups that no longer find. A new key
// (a rotation) is recorded.
const crypto::KeyRing& sealing_keys(ComponentContext& ctx);

}  // namespace zt::core
