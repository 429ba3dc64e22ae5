-- The observer's spans (issue 19): every span a process exported, kept for the trace view and the
-- trace search, one row each. Times are nanoseconds since the Unix epoch (UTC); attributes and
-- events are JSON as the trace view shows them. A batch sent again changes nothing (the key).
-- The sender (the service whose signed identity made the export, or an ingest token's name) is
-- part of the key: an outside sender cannot take the place of a platform span by sending its ids
-- first. Retention goes by when a span was received (a sender's clock cannot keep it forever).
CREATE TABLE observer_spans (
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
  PRIMARY KEY (trace_id, span_id, sender)
);
CREATE INDEX observer_spans_time ON observer_spans (start_unix_nano);
CREATE INDEX observer_spans_received ON observer_spans (received_at_ms);
CREATE INDEX observer_spans_service ON observer_spans (service, start_unix_nano);
