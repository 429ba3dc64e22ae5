-- The observer's alerts (issue 19). One observer at a time judges the minutes (the lease in
-- observer_leases); after each judged minute it stores, in the same transaction as the notices it
-- gave, what it carries to the next (observer_alert_judge: the last minute judged, the rules it
-- judged by and each rule's state per entity, JSON), so whichever observer judges next goes on from
-- there — a minute is judged once, a notice given once.
CREATE TABLE observer_leases (
  name TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
CREATE TABLE observer_alert_judge (
  id INTEGER PRIMARY KEY,
  last_minute BIGINT NOT NULL,
  rules TEXT NOT NULL,
  states TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
-- Each notice: firing, still firing, recovered, or ended (its rule changed or went); the rule as it
-- was then (title, metric, threshold) so the history reads the same after the rule changes.
CREATE TABLE observer_alert_events (
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL,
  kind TEXT NOT NULL,
  scope TEXT NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  metric TEXT NOT NULL,
  comparison TEXT NOT NULL,
  threshold DOUBLE PRECISION NOT NULL,
  minute BIGINT NOT NULL,
  value DOUBLE PRECISION NOT NULL,
  breaches INTEGER NOT NULL,
  calls BIGINT NOT NULL,
  text TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX observer_alert_events_time ON observer_alert_events (created_at_ms);
CREATE INDEX observer_alert_events_rule ON observer_alert_events (rule_id, created_at_ms);
-- Each notice to each channel of its rule, written with the notice (the intent before the first
-- send): pending → sending → sent | failed | unknown (a message that may have gone out is never
-- sent again; a webhook, which carries the notice's id, is tried again until it is taken).
CREATE TABLE observer_alert_deliveries (
  event_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  type TEXT NOT NULL,
  target TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  detail TEXT NOT NULL,
  next_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (event_id, channel)
);
CREATE INDEX observer_alert_deliveries_due ON observer_alert_deliveries (status, next_at_ms);
