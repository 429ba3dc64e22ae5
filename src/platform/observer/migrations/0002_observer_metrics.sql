-- The observer's per-minute figures (issue 19): for each minute (by the span's end, minutes since
-- the Unix epoch, UTC) and series — a service (scope 0), an instance (1), an endpoint (2), an
-- edge to a peer (3) — the calls, the errors and the latency sketch (core/observe/sketch.hpp,
-- hex). Rows are only ever added: each flush of each observer writes its own `part`, and the rows
-- of one minute and series add up (sketches merge exactly), so two observers never overwrite
-- each other.
CREATE TABLE observer_metrics (
  minute BIGINT NOT NULL,
  scope INTEGER NOT NULL,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  part TEXT NOT NULL,
  calls BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  latency TEXT NOT NULL,
  PRIMARY KEY (minute, scope, service, name, part)
);
CREATE INDEX observer_metrics_series ON observer_metrics (scope, service, minute);

