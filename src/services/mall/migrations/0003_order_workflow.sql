-- The confirmation request exactly as first sent to the counter (issue 18, F2): recorded before
-- that send, re-sent byte-identical until the counter answers, so a confirmation whose answer was
-- lost is repeated, not recomputed from lots the first one already consumed.
ALTER TABLE mall_orders ADD COLUMN confirm_request TEXT;
-- A recorded confirmation the counter refused (while the order stays pending there) is worked out
-- again under a new request id, mall-confirm-<order>-<attempt>, a few times at most; the last
-- refusal is kept for staff (reconciliation lists it).
ALTER TABLE mall_orders ADD COLUMN confirm_attempt INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mall_orders ADD COLUMN confirm_error TEXT;
-- Due orders are taken least recently tried first (updated_at_ms): an order the counter keeps
-- refusing, or one whose outcome stays unknown, no longer holds back the others.
CREATE INDEX mall_orders_due ON mall_orders (state, updated_at_ms);

-- Products confirm on T+n trading days (issue 18, F12): 1 for most funds, more for QDII funds and
-- some bank products. Existing products keep T+1.
ALTER TABLE mall_products ADD COLUMN confirm_days INTEGER NOT NULL DEFAULT 1;
