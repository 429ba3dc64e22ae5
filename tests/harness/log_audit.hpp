#pragma once
// The functional run's log audit (issue 6: no secret, code, password or full phone number in any
// log line). With ZT_LOG_AUDIT_DIR set (CTest sets it for every functional test), the harness
// keeps what it saw pass as a secret — codes, passwords, tokens, TOTP secrets in the requests it
// sent and the answers it read — and a copy of every zhongtai log; the cleanup test
// `functional.logs_hold_no_secrets` (tests/tools/log_audit.cpp) then searches all the logs.
#include <string>

namespace zt::test::log_audit {

// Records the secrets a request body and its answer carry (JSON members such as "password",
// "refresh_token", "totp_secret", six-digit "code"s; SMS texts "验证码为NNNNNN").
void remember_exchange(const std::string& request_body, const std::string& response_body);
// Records one secret explicitly.
void remember_secret(const std::string& secret);
// Copies a process log into the audit folder.
void archive_log(const std::string& log_path);

}  // namespace zt::test::log_audit
