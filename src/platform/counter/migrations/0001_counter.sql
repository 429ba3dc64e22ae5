-- The sandbox counter (柜台): customers and their accounts, a double-entry ledger of cash and
-- holdings, fund orders, simulated trades and end-of-day asset snapshots. Personal data is sealed
-- and found by keyed hash. Every mutation is idempotent by request id (counter_requests).
--
-- Ledger: a journal entry (counter_journal) holds postings; each posting moves `units` of one
-- asset from a debit account to a credit account, so every entry balances by construction. An
-- account's balance is the sum of what was credited minus what was debited; counter_balances
-- keeps that sum, written in the same transaction as the postings.
CREATE TABLE counter_customers (
  customer_no TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  id_number_sealed TEXT NOT NULL,
  id_number_hash TEXT NOT NULL UNIQUE,
  id_number_masked TEXT NOT NULL,
  mobile_sealed TEXT NOT NULL,
  mobile_masked TEXT NOT NULL,
  branch TEXT NOT NULL,
  first_trade_date TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE counter_fund_accounts (
  fund_account TEXT PRIMARY KEY,
  customer_no TEXT NOT NULL,
  currency TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX counter_fund_accounts_customer ON counter_fund_accounts (customer_no);
CREATE TABLE counter_stock_accounts (
  account_no TEXT PRIMARY KEY,
  customer_no TEXT NOT NULL,
  market TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_date TEXT NOT NULL
);
CREATE INDEX counter_stock_accounts_customer ON counter_stock_accounts (customer_no, market);
CREATE TABLE counter_bank_bindings (
  fund_account TEXT PRIMARY KEY,
  bank_code TEXT NOT NULL,
  card_sealed TEXT NOT NULL,
  card_masked TEXT NOT NULL,
  bound_at_ms BIGINT NOT NULL
);
CREATE TABLE counter_instruments (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  market TEXT NOT NULL,
  price_units BIGINT NOT NULL,
  price_date TEXT NOT NULL
);
CREATE TABLE counter_navs (
  code TEXT NOT NULL,
  nav_date TEXT NOT NULL,
  nav_units BIGINT NOT NULL,
  PRIMARY KEY (code, nav_date)
);
CREATE TABLE counter_sequences (
  name TEXT PRIMARY KEY,
  next_value BIGINT NOT NULL
);
CREATE TABLE counter_requests (
  request_id TEXT PRIMARY KEY,
  operation TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE counter_journal (
  seq BIGINT PRIMARY KEY,
  request_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  fund_account TEXT NOT NULL,
  memo TEXT NOT NULL,
  business_date TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX counter_journal_account ON counter_journal (fund_account, seq);
CREATE TABLE counter_postings (
  seq BIGINT NOT NULL,
  line INTEGER NOT NULL,
  asset TEXT NOT NULL,
  debit TEXT NOT NULL,
  credit TEXT NOT NULL,
  units BIGINT NOT NULL,
  PRIMARY KEY (seq, line)
);
CREATE TABLE counter_balances (
  account TEXT NOT NULL,
  asset TEXT NOT NULL,
  units BIGINT NOT NULL,
  PRIMARY KEY (account, asset)
);
CREATE TABLE counter_orders (
  order_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL UNIQUE,
  fund_account TEXT NOT NULL,
  product TEXT NOT NULL,
  side TEXT NOT NULL,
  amount_units BIGINT NOT NULL,
  shares_units BIGINT NOT NULL,
  trade_date TEXT NOT NULL,
  state TEXT NOT NULL,
  nav_units BIGINT,
  fee_units BIGINT,
  settled_amount_units BIGINT,
  settled_shares_units BIGINT,
  confirmed_date TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX counter_orders_account ON counter_orders (fund_account, created_at_ms);
CREATE INDEX counter_orders_pending ON counter_orders (state, trade_date);
CREATE TABLE counter_lots (
  lot_id TEXT PRIMARY KEY,
  fund_account TEXT NOT NULL,
  product TEXT NOT NULL,
  confirmed_date TEXT NOT NULL,
  shares_units BIGINT NOT NULL,
  remaining_units BIGINT NOT NULL
);
CREATE INDEX counter_lots_holding ON counter_lots (fund_account, product, confirmed_date);
CREATE TABLE counter_trades (
  trade_id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  fund_account TEXT NOT NULL,
  code TEXT NOT NULL,
  side TEXT NOT NULL,
  quantity_units BIGINT NOT NULL,
  price_units BIGINT NOT NULL,
  amount_units BIGINT NOT NULL,
  trade_date TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX counter_trades_account ON counter_trades (fund_account, trade_date);
CREATE TABLE counter_snapshots (
  fund_account TEXT NOT NULL,
  snapshot_date TEXT NOT NULL,
  cash_units BIGINT NOT NULL,
  frozen_units BIGINT NOT NULL,
  market_value_units BIGINT NOT NULL,
  total_units BIGINT NOT NULL,
  PRIMARY KEY (fund_account, snapshot_date)
);
