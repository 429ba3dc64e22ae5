-- Staff accounts with roles (roles map to permissions), customers' optional passwords, and the
-- kind of each session. Passwords are argon2id hashes; TOTP secrets are sealed.
ALTER TABLE auth_customers ADD COLUMN password_hash TEXT;
ALTER TABLE auth_customers ADD COLUMN password_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE auth_sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'customer';
CREATE TABLE auth_roles (
  name TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  permissions TEXT NOT NULL,
  builtin INTEGER NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE auth_staff (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  roles TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  password_change_required INTEGER NOT NULL,
  totp_sealed TEXT NOT NULL,
  totp_last_step BIGINT NOT NULL,
  failures INTEGER NOT NULL,
  strikes INTEGER NOT NULL,
  locked_until_ms BIGINT NOT NULL,
  disabled INTEGER NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX auth_audit_actor ON auth_audit (actor, at_ms);
CREATE INDEX auth_audit_action ON auth_audit (action, at_ms);
