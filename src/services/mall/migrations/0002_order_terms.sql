-- The fee terms an order was placed under (BUSINESS §5: the customer pays what was shown when
-- they ordered, whatever staff change before T+1): the product's fee schedule as JSON, copied at
-- placement. Orders placed before this column existed have none and settle on the product's.
ALTER TABLE mall_orders ADD COLUMN fee_schedule TEXT;

-- A signed special risk warning (特别风险警示书) is kept with the one order it was signed for
-- (BUSINESS §1): a second order needs a warning of its own. A failed order gives it back.
CREATE TABLE mall_warning_uses (
  warning_id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  customer_id TEXT NOT NULL,
  used_at_ms BIGINT NOT NULL
);
CREATE INDEX mall_warning_uses_order ON mall_warning_uses (order_id);
-- Warnings already kept with orders go on counting as used (the earliest order of each, where
-- one warning went with several before this rule).
INSERT INTO mall_warning_uses (warning_id, order_id, customer_id, used_at_ms)
  SELECT warning_id, MIN(order_id), MIN(customer_id), MIN(placed_at_ms) FROM mall_orders
  WHERE warning_id IS NOT NULL AND state <> 'failed' GROUP BY warning_id;

-- Holder places are given back when a holder redeems everything. Places kept by holders who did
-- so before this rule (no shares, no purchase open) go back now, and each capped product's count
-- is what its holders are.
DELETE FROM mall_holders WHERE
  NOT EXISTS (SELECT 1 FROM mall_orders o WHERE o.customer_id = mall_holders.customer_id
              AND o.product_code = mall_holders.product_code AND o.side = 'subscribe' AND o.state IN ('placing', 'pending'))
  AND NOT EXISTS (SELECT 1 FROM mall_holdings h WHERE h.customer_id = mall_holders.customer_id
                  AND h.product_code = mall_holders.product_code AND h.shares_units > 0);
UPDATE mall_products SET holder_count = (SELECT count(*) FROM mall_holders h WHERE h.product_code = mall_products.code)
  WHERE holder_cap IS NOT NULL;
