#pragma once
// Staff accounts made outside any request (the `zhongtai admin create` command and the sandbox's
// first start) and the generated first passwords staff handlers hand out.
#include <string>
#include <vector>

#include "core/storage/database.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/domain/password.hpp"
#include "services/auth/store/staff_store.hpp"

namespace zt::services::auth {

// A fresh password that meets the staff policy (16 characters from four classes).
std::string generate_staff_password();
// Makes an account with a generated password and TOTP secret: shown once, to hand over in person.
Enrolment enrol_staff(core::storage::Database& db, StaffStore& staff, const Argon2Params& argon2,
                      const std::string& totp_issuer, const std::string& username, const std::string& display_name,
                      const std::vector<std::string>& roles, const Audit& who);

}  // namespace zt::services::auth
