#pragma once
// The auth service's background round, every 30 s until stopped: the signing keys read again
// (another instance may have rotated them) and, every tenth round and at start, old codes, tokens
// and idle sessions swept (AuthStore::purge).
#include <atomic>

#include "core/net/notifier.hpp"
#include "core/storage/database.hpp"
#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/signing_keys.hpp"

namespace zt::core::net {
class IoRuntime;
}

namespace zt::services::auth {

class Housekeeping {
 public:
  Housekeeping(core::storage::Database& db, AuthStore& store, SigningKeys& keys)
      : db_(db), store_(store), keys_(keys) {}
  void start(core::net::IoRuntime& runtime);
  void stop();

 private:
  core::storage::Database& db_;
  AuthStore& store_;
  SigningKeys& keys_;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
};

}  // namespace zt::services::auth
