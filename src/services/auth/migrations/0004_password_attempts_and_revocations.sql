-- Password sign-in attempts per number, known to us or not (one answer for both, and a lock of
-- its own: password failures never lock sign-in by SMS code); the feed of ended sessions the
-- gateways follow to refuse their access tokens within seconds.
CREATE TABLE auth_password_attempts (
  mobile_hash TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  strikes INTEGER NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX auth_sessions_revoked ON auth_sessions (revoked_at_ms, id);
