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

// The QR code of `text` (error correction M): its rows of modules, '1' dark and '0' light; empty
// when it cannot be made (the secret is then entered by hand).
std::vector<std::string> qr_modules(const std::string& text);

// What is shown once for an account made or reset: the user, the first password, the TOTP secret,
// its otpauth:// link and that link's QR code.
Enrolment enrolment_of(const Staff& staff, std::string password, const std::string& secret, const std::string& totp_issuer);

// A fresh password that meets the staff policy (16 characters from four classes).
std::string generate_staff_password();
// Makes an account with a generated password and TOTP secret: shown once, to hand over in person.
Enrolment enrol_staff(core::storage::Database& db, StaffStore& staff, const Argon2Params& argon2,
                      const std::string& totp_issuer, const std::string& username, const std::string& display_name,
                      const std::vector<std::string>& roles, const Audit& who);

}  // namespace zt::services::auth
