-- The sandbox notify provider's outbox: every message it "sent", kept so the console, the H5
-- developer link and the tests can read what a customer would have received. Recipients are
-- sealed (AES-GCM) and found by keyed hash; only the masked form is shown.
CREATE TABLE notify_outbox (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  recipient_sealed TEXT NOT NULL,
  recipient_hash TEXT NOT NULL,
  recipient_masked TEXT NOT NULL,
  template TEXT NOT NULL,
  text TEXT NOT NULL,
  sender TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX notify_outbox_recipient ON notify_outbox (recipient_hash, created_at_ms);
CREATE INDEX notify_outbox_time ON notify_outbox (created_at_ms);
