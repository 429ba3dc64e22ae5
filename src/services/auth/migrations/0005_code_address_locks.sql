-- One row per client address that asked for SMS codes in the last day: code requests from one
-- address take its row first, so the per-address daily cap counts a parallel request's code
-- (PostgreSQL is READ COMMITTED: counting alone would let parallel requests all pass).
CREATE TABLE auth_code_address_locks (
  ip TEXT PRIMARY KEY,
  updated_at_ms BIGINT NOT NULL
);
