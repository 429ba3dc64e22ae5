-- The observer's log records (issue 19): every line a process exported (and every record an
-- outside OTLP sender sent), one row each, found by trace id, service, level, words and time.
-- Times are nanoseconds since the Unix epoch (UTC); trace_id and span_id are hex, empty for a
-- line written in no trace. record_key is a digest of the record as sent (time, service,
-- instance, ids, level, text): a batch sent again after a lost answer adds nothing. As with spans,
-- the sender is part of the key, and retention goes by when a record was received.
CREATE TABLE observer_logs (
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
  PRIMARY KEY (record_key, sender)
);
CREATE INDEX observer_logs_trace ON observer_logs (trace_id, time_unix_nano);
CREATE INDEX observer_logs_time ON observer_logs (time_unix_nano);
CREATE INDEX observer_logs_service ON observer_logs (service, time_unix_nano);
CREATE INDEX observer_logs_received ON observer_logs (received_at_ms);
