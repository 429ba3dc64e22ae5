-- What happened to an order off the happy path (issue 18, deliver 4): each unanswered send, each
-- refused confirmation, an expiry, and every staff resolution with who made it and why. The stuck
-- list shows it as the order's history; a run of the same event (a re-drive every few seconds
-- against a counter that does not answer) is one row with a count and its first and last time.
CREATE TABLE mall_order_events (
  id TEXT PRIMARY KEY,
  order_id TEXT NOT NULL,
  first_at_ms BIGINT NOT NULL,
  last_at_ms BIGINT NOT NULL,
  times INTEGER NOT NULL,
  event TEXT NOT NULL,              -- unanswered | confirm_unanswered | confirm_refused | not_quoted | release_unanswered | expired | voided | resolved
  detail TEXT NOT NULL,
  actor TEXT NOT NULL               -- "mall" for the platform's own attempts, a staff id for a resolution
);
CREATE INDEX mall_order_events_order ON mall_order_events (order_id, first_at_ms);
