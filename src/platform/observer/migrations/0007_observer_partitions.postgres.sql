-- PostgreSQL: spans and log records in a partition a day (issue 19), so retention drops a day's
-- partition whole instead of deleting rows (no bloat, no vacuum behind it). Partitioned by the
-- span's start and the record's time — what a batch sent again repeats exactly, so the key (which
-- must hold the partition column) still stores it once. A row whose time has no day partition (a
-- sender's clock far off, or rows from before this migration) goes to the default partition,
-- which retention empties by receipt as before; the observer creates the days around now
-- (store/partitions.cpp), moving into each what the default partition holds of it.
CREATE TABLE observer_spans_p (
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT NOT NULL,
  service TEXT NOT NULL,
  instance TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_unix_nano BIGINT NOT NULL,
  duration_ns BIGINT NOT NULL,
  status INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  attributes TEXT NOT NULL,
  events TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  sender TEXT NOT NULL,
  PRIMARY KEY (trace_id, span_id, sender, start_unix_nano)
) PARTITION BY RANGE (start_unix_nano);
CREATE TABLE observer_spans_default PARTITION OF observer_spans_p DEFAULT;
INSERT INTO observer_spans_p SELECT trace_id, span_id, parent_span_id, service, instance, name, kind, start_unix_nano,
  duration_ns, status, status_message, attributes, events, received_at_ms, sender FROM observer_spans;
DROP TABLE observer_spans;
ALTER TABLE observer_spans_p RENAME TO observer_spans;
CREATE INDEX observer_spans_time ON observer_spans (start_unix_nano);
CREATE INDEX observer_spans_received ON observer_spans (received_at_ms);
CREATE INDEX observer_spans_service ON observer_spans (service, start_unix_nano);

CREATE TABLE observer_logs_p (
  record_key TEXT NOT NULL,
  sender TEXT NOT NULL,
  service TEXT NOT NULL,
  instance TEXT NOT NULL,
  time_unix_nano BIGINT NOT NULL,
  severity INTEGER NOT NULL,
  severity_text TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  PRIMARY KEY (record_key, sender, time_unix_nano)
) PARTITION BY RANGE (time_unix_nano);
CREATE TABLE observer_logs_default PARTITION OF observer_logs_p DEFAULT;
INSERT INTO observer_logs_p SELECT record_key, sender, service, instance, time_unix_nano, severity, severity_text, body,
  attributes, trace_id, span_id, received_at_ms FROM observer_logs;
DROP TABLE observer_logs;
ALTER TABLE observer_logs_p RENAME TO observer_logs;
CREATE INDEX observer_logs_trace ON observer_logs (trace_id, time_unix_nano);
CREATE INDEX observer_logs_time ON observer_logs (time_unix_nano);
CREATE INDEX observer_logs_service ON observer_logs (service, time_unix_nano);
CREATE INDEX observer_logs_received ON observer_logs (received_at_ms);
