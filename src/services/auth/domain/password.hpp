#pragma once
// Passwords (DESIGN §7: argon2 via libargon2). Stored as the PHC string argon2id produces
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"): the parameters travel with each hash, so
// raising them later re-hashes a password at its next successful sign-in (needs_rehash).
//
// Default cost: argon2id, 19 MiB, 2 passes, 1 lane, 16-byte salt, 32-byte hash — OWASP's
// recommended minimum (2023). About 25–40 ms and 19 MiB per hash on one core of the CI machine;
// hashing runs on the blocking pool, never on an io thread (README "Passwords").
//
// Policy (password_problem): 8–64 characters; letters and digits both; not one repeated
// character; not containing the account's own name or the mobile's last eight digits; not one of
// the commonly guessed passwords. Staff: at least 12 characters and three of upper case, lower
// case, digits and symbols.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zt::services::auth {

struct Argon2Params {
  std::uint32_t memory_kib = 19456;
  std::uint32_t iterations = 2;
  std::uint32_t lanes = 1;
};

std::string hash_password(std::string_view password, const Argon2Params& params);
// False for a wrong password and for anything that is not an argon2id hash.
bool verify_password(std::string_view password, const std::string& encoded);
// True when `encoded` was made with other parameters than `params`.
bool needs_rehash(const std::string& encoded, const Argon2Params& params);

enum class PasswordRules { kCustomer, kStaff };
// The Chinese reason a password is refused, or nullopt when it may be used. `own` are strings the
// password must not contain (the username, the mobile's last eight digits).
std::optional<std::string> password_problem(std::string_view password, PasswordRules rules, std::initializer_list<std::string_view> own);

}  // namespace zt::services::auth
