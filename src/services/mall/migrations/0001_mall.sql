-- The financial mall (金融商城, BUSINESS §5): products with their NAV history, customers' orders,
-- holder places of capped products, and the cost of holdings. Orders are never deleted.
CREATE TABLE mall_products (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  category TEXT NOT NULL,           -- public_fund | bank_wm | income_certificate | broker_am | trust | private_fund
  risk INTEGER NOT NULL,            -- R1..R5
  issuer TEXT NOT NULL,
  status TEXT NOT NULL,             -- draft | published | halted
  sale_start TEXT NOT NULL,
  sale_end TEXT,
  min_first_units BIGINT NOT NULL,
  min_additional_units BIGINT NOT NULL,
  increment_units BIGINT NOT NULL,
  audience TEXT NOT NULL,           -- public | qualified | professional
  holder_cap INTEGER,               -- income certificates: at most this many holders
  holder_count INTEGER NOT NULL,
  principal TEXT,                   -- income certificates: protected_fixed | protected_floating | unprotected
  redeemable INTEGER NOT NULL,
  description TEXT NOT NULL,
  fee_schedule TEXT NOT NULL,       -- JSON
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  updated_by TEXT NOT NULL
);
CREATE INDEX mall_products_category ON mall_products (category, code);

CREATE TABLE mall_navs (
  code TEXT NOT NULL,
  nav_date TEXT NOT NULL,
  nav_units BIGINT NOT NULL,        -- 4 dp
  entered_by TEXT NOT NULL,
  entered_at_ms BIGINT NOT NULL,
  PRIMARY KEY (code, nav_date)
);

CREATE TABLE mall_orders (
  order_id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  fund_account TEXT NOT NULL,
  product_code TEXT NOT NULL,
  side TEXT NOT NULL,               -- subscribe | redeem
  amount_units BIGINT NOT NULL,     -- subscribe: cash frozen
  shares_units BIGINT NOT NULL,     -- redeem: shares frozen
  state TEXT NOT NULL,              -- placing | pending | cancelled | confirmed | failed
  trade_date TEXT NOT NULL,         -- T, the NAV date
  confirm_date TEXT NOT NULL,       -- T+1
  placed_at_ms BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  warning_id TEXT,
  suitability_rule TEXT NOT NULL,
  counter_order_id TEXT,
  nav_units BIGINT,
  fee_units BIGINT,
  confirmed_amount_units BIGINT,
  confirmed_shares_units BIGINT,
  confirmed_date TEXT,
  failure_code TEXT,
  failure_message TEXT,
  updated_at_ms BIGINT NOT NULL,
  trace_id TEXT NOT NULL,
  UNIQUE (customer_id, idempotency_key)
);
CREATE INDEX mall_orders_customer ON mall_orders (customer_id, placed_at_ms);
CREATE INDEX mall_orders_state ON mall_orders (state, trade_date);
CREATE INDEX mall_orders_product ON mall_orders (product_code, placed_at_ms);

-- One row per holder of a capped product (an income certificate's ≤ 200 holders).
CREATE TABLE mall_holders (
  product_code TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  since_ms BIGINT NOT NULL,
  PRIMARY KEY (product_code, customer_id)
);

-- The cost of what a customer holds (average cost): updated at each confirmation.
CREATE TABLE mall_holdings (
  customer_id TEXT NOT NULL,
  product_code TEXT NOT NULL,
  shares_units BIGINT NOT NULL,
  cost_units BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (customer_id, product_code)
);

-- Staff actions on products and NAVs, append-only.
CREATE TABLE mall_audit (
  id TEXT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  trace_id TEXT NOT NULL
);
CREATE INDEX mall_audit_at ON mall_audit (at_ms);

-- A lease per background job, so one mall instance runs it at a time.
CREATE TABLE mall_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
