#pragma once
// A customer's fund account at the counter: bound once (services: account opening; in sandbox
// mode the customer opens a demo account with cash at the sandbox counter), read by the
// business services that trade for the customer (the mall, 定投, repo).
#include "core/discovery/discovery.hpp"
#include "core/http/router.hpp"
#include "core/storage/database.hpp"
#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

struct AccountApiDeps {
  core::storage::Database& db;
  AuthStore& store;
  core::discovery::Discovery& discovery;
  bool sandbox = true;
};

void add_account_routes(core::http::Router& r, AccountApiDeps deps);

// A valid-looking sandbox ID number (GB 11643 check digit) derived from a customer id and an
// attempt number: born 1960–1999, Beijing Chaoyang's region code.
std::string sandbox_id_number(const std::string& customer_id, int attempt);

}  // namespace zt::services::auth
