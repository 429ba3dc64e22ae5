-- The auth service: token signing keys, SMS one-time codes, customers, sessions, refresh tokens,
-- lockouts and the audit trail. Mobile numbers are sealed and found by keyed hash; codes and
-- refresh tokens are kept only as hashes; private keys only sealed.
CREATE TABLE auth_signing_keys (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  private_sealed TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  retired_at_ms BIGINT
);
CREATE TABLE auth_sms_codes (
  id TEXT PRIMARY KEY,
  mobile_hash TEXT NOT NULL,
  purpose TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  ip TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  tries INTEGER NOT NULL,
  consumed INTEGER NOT NULL
);
CREATE INDEX auth_sms_codes_mobile ON auth_sms_codes (mobile_hash, created_at_ms);
CREATE INDEX auth_sms_codes_ip ON auth_sms_codes (ip, created_at_ms);
CREATE TABLE auth_customers (
  id TEXT PRIMARY KEY,
  mobile_sealed TEXT NOT NULL,
  mobile_hash TEXT NOT NULL UNIQUE,
  mobile_masked TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE auth_sessions (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  device TEXT NOT NULL,
  ip TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_used_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT,
  revoke_reason TEXT
);
CREATE INDEX auth_sessions_customer ON auth_sessions (customer_id, created_at_ms);
CREATE TABLE auth_refresh_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  used_at_ms BIGINT
);
CREATE INDEX auth_refresh_tokens_session ON auth_refresh_tokens (session_id);
CREATE TABLE auth_lockouts (
  mobile_hash TEXT PRIMARY KEY,
  burned_codes INTEGER NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE auth_audit (
  id TEXT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  ip TEXT NOT NULL,
  trace_id TEXT NOT NULL
);
CREATE INDEX auth_audit_time ON auth_audit (at_ms);
