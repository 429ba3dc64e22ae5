// Staff enrolment: the QR code an authenticator app scans, as modules the console and the terminal
// draw; the generated first passwords meet the staff rules.
#include "services/auth/app/enrolment.hpp"

#include <gtest/gtest.h>

namespace zt::services::auth {
namespace {

TEST(Enrolment, TheQrCodeIsASquareOfModulesWithItsFinderPatterns) {
  const auto rows = qr_modules("otpauth://totp/%E4%B8%AD%E5%8F%B0:li.si?secret=JBSWY3DPEHPK3PXP&issuer=%E4%B8%AD%E5%8F%B0");
  ASSERT_GE(rows.size(), 21u);
  EXPECT_EQ((rows.size() - 21) % 4, 0u) << "a QR version's width is 21 + 4k";
  for (const auto& r : rows) {
    EXPECT_EQ(r.size(), rows.size());
    EXPECT_EQ(r.find_first_not_of("01"), std::string::npos);
  }
  // The three finder patterns: seven dark modules across the top-left and top-right corners and
  // down the bottom-left, each with its light ring inside.
  const std::size_t n = rows.size();
  EXPECT_EQ(rows[0].substr(0, 7), "1111111");
  EXPECT_EQ(rows[0].substr(n - 7), "1111111");
  EXPECT_EQ(rows[n - 1].substr(0, 7), "1111111");
  EXPECT_EQ(rows[1].substr(0, 7), "1000001");
  EXPECT_EQ(rows[3].substr(0, 7), "1011101");
  EXPECT_NE(qr_modules("another secret"), rows);
}

TEST(Enrolment, AGeneratedPasswordMeetsTheStaffRules) {
  for (int i = 0; i < 20; ++i) {
    const auto p = generate_staff_password();
    EXPECT_EQ(p.size(), 16u);
    EXPECT_FALSE(password_problem(p, PasswordRules::kStaff, {})) << p;
  }
}

}  // namespace
}  // namespace zt::services::auth
