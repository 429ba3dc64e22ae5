-- Hourly figures (issue 19): an hour's series summed from its minute rows once no more can come
-- (spans are counted up to an hour late, so a little over an hour after it ends), read by the
-- queries over long ranges instead of sixty minute rows a series. observer_metric_hours has a
-- marker for each hour with minute rows: dirty while rows come that are not summed (a minute row
-- stored after its hour was summed — an observer that could not reach the database for that long
-- — makes it dirty again, and it is summed again); the hourly rows of a clean hour are its sum.
CREATE TABLE observer_metric_hours (
  hour BIGINT PRIMARY KEY,
  dirty INTEGER NOT NULL,
  rolled_at_ms BIGINT NOT NULL
);
CREATE TABLE observer_metrics_hourly (
  hour BIGINT NOT NULL,
  scope INTEGER NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  calls BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  latency TEXT NOT NULL,
  PRIMARY KEY (hour, scope, service, name)
);
CREATE INDEX observer_metrics_hourly_series ON observer_metrics_hourly (scope, service, hour);
