-- Staff resolutions by their Idempotency-Key: a repeated request (a lost answer, a double click)
-- gets the first one's answer instead of acting again; the same key for another resolution is
-- refused. `result` is empty while the resolution acts.
CREATE TABLE mall_resolutions (
  idempotency_key TEXT PRIMARY KEY,
  staff TEXT NOT NULL,
  order_id TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
