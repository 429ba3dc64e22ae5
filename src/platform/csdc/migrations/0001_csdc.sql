-- The 中登 sandbox: A-share securities accounts per investor (一码通 下的证券账户), opened or
-- linked (下挂) by brokers. ID numbers are sealed and found by keyed hash.
CREATE TABLE csdc_accounts (
  account_no TEXT PRIMARY KEY,
  id_hash TEXT NOT NULL,
  id_sealed TEXT NOT NULL,
  market TEXT NOT NULL,
  status TEXT NOT NULL,
  broker TEXT NOT NULL,
  linked INTEGER NOT NULL,
  opened_date TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX csdc_accounts_holder ON csdc_accounts (id_hash, market);
CREATE TABLE csdc_investors (
  id_hash TEXT PRIMARY KEY,
  first_trade_date TEXT
);
CREATE TABLE csdc_sequences (
  name TEXT PRIMARY KEY,
  next_value BIGINT NOT NULL
);
CREATE TABLE csdc_requests (
  request_id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
