#include "services/auth/domain/password.hpp"

#include <gtest/gtest.h>

namespace zt::services::auth {
namespace {

const Argon2Params kCheap{1024, 1, 1};  // tests only: the real default is 19 MiB, 2 passes

TEST(Password, HashesVerifyAndAreSaltedArgon2id) {
  const std::string h = hash_password("Secret123", kCheap);
  EXPECT_TRUE(h.starts_with("$argon2id$v=19$m=1024,t=1,p=1$")) << h;
  EXPECT_TRUE(verify_password("Secret123", h));
  EXPECT_FALSE(verify_password("Secret124", h));
  EXPECT_FALSE(verify_password("", h));
  EXPECT_NE(hash_password("Secret123", kCheap), h) << "a fresh salt each time";
  EXPECT_FALSE(verify_password("Secret123", "")) << "no hash: no sign-in";
  EXPECT_FALSE(verify_password("Secret123", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA")) << "argon2id only";
  EXPECT_FALSE(verify_password("Secret123", "$argon2id$garbage"));
}

TEST(Password, NeedsRehashWhenTheParametersChange) {
  const std::string h = hash_password("Secret123", kCheap);
  EXPECT_FALSE(needs_rehash(h, kCheap));
  EXPECT_TRUE(needs_rehash(h, Argon2Params{}));
  EXPECT_TRUE(needs_rehash(h, Argon2Params{1024, 2, 1}));
}

TEST(Password, CustomerPolicy) {
  const auto c = PasswordRules::kCustomer;
  EXPECT_EQ(password_problem("abc12345x", c, {}), std::nullopt);
  EXPECT_EQ(password_problem("密码abc12345", c, {}), std::nullopt) << "any script, counted in characters";
  EXPECT_EQ(password_problem("ab1", c, {}), "密码长度应为8至64位");
  EXPECT_EQ(password_problem(std::string(65, 'a') + "1", c, {}), "密码长度应为8至64位");
  EXPECT_EQ(password_problem("abcdefghij", c, {}), "密码须同时包含字母和数字");
  EXPECT_EQ(password_problem("1234567890", c, {}), "密码须同时包含字母和数字");
  EXPECT_EQ(password_problem("Password1", c, {}), "密码过于常见，请换一个");
  EXPECT_EQ(password_problem("x38001380y", c, {"38001380"}), "密码不能包含用户名或手机号");
  EXPECT_EQ(password_problem("abc\n12345", c, {}), "密码不能包含控制字符");
}

TEST(Password, StaffPolicyIsStricter) {
  const auto s = PasswordRules::kStaff;
  EXPECT_EQ(password_problem("abc12345x", s, {}), "密码长度应为12至64位");
  EXPECT_EQ(password_problem("abcdefgh1234", s, {}), "工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类");
  EXPECT_EQ(password_problem("Abcdefgh1234", s, {}), std::nullopt);
  EXPECT_EQ(password_problem("abcdefgh12#4", s, {}), std::nullopt);
  EXPECT_EQ(password_problem("Wang.Li-2026x", s, {"wang.li"}), "密码不能包含用户名或手机号");
}

}  // namespace
}  // namespace zt::services::auth
