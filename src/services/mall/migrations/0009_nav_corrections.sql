-- NAV corrections (净值更正, issue 28 item 1): a NAV entered wrong is corrected by staff with
-- navs.correct and a reason; both values are kept here. A published product's correction is
-- recorded with its counter request before that is sent (state sending, mall_navs.correcting set:
-- the NAV stays as it was and that date's orders wait), re-sent as recorded until the counter
-- answers, then applied (the NAV changed, pending orders confirm at it) or refused (nothing changed).
CREATE TABLE mall_nav_corrections (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL,
  nav_date TEXT NOT NULL,
  old_units BIGINT NOT NULL,
  new_units BIGINT NOT NULL,
  reason TEXT NOT NULL,
  corrected_by TEXT NOT NULL,
  state TEXT NOT NULL,              -- sending | applied | refused
  request TEXT,                     -- the counter's request as first sent (none for a draft)
  outcome TEXT,                     -- why the counter refused
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  trace_id TEXT NOT NULL,
  ip TEXT NOT NULL
);
CREATE INDEX mall_nav_corrections_at ON mall_nav_corrections (created_at_ms);
CREATE INDEX mall_nav_corrections_state ON mall_nav_corrections (state, updated_at_ms);
CREATE INDEX mall_nav_corrections_code ON mall_nav_corrections (code, created_at_ms);
ALTER TABLE mall_navs ADD COLUMN correcting TEXT;
