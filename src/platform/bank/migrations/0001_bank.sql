-- The banks' sandbox (三方存管): the transfers the banks confirmed or refused, one per request id.
-- Card numbers are sealed and found by keyed hash.
CREATE TABLE bank_transfers (
  request_id TEXT PRIMARY KEY,
  bank_code TEXT NOT NULL,
  card_hash TEXT NOT NULL,
  card_sealed TEXT NOT NULL,
  direction TEXT NOT NULL,
  amount_units BIGINT NOT NULL,
  status TEXT NOT NULL,
  bank_serial TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE bank_requests (
  request_id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE bank_sequences (
  name TEXT PRIMARY KEY,
  next_value BIGINT NOT NULL
);
