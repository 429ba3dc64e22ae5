-- Each instance's resources (issue 19), from the OTLP metrics every process sends every
-- tracing.resources_interval: for each minute (of receipt, minutes since the Unix epoch, UTC), a
-- service and one of its instances (its process), the highest of each figure sampled in that
-- minute — CPU used in cores, resident memory, open files and their limit, threads, the io
-- threads' busy share (their average and the busiest one), work waiting for the blocking pool.
-- NULL: not sent (a sender outside the platform may send some only). A process running several
-- services sends its figures under each. The sender (the service whose signed identity made the
-- export, or an ingest token's name) is part of the key, as with spans: what one sends under
-- another's name is a row of its own, never mixed into the other's.
CREATE TABLE observer_resources (
  minute BIGINT NOT NULL,
  service TEXT NOT NULL,
  instance TEXT NOT NULL,
  sender TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  cpu_cores DOUBLE PRECISION,
  rss_bytes BIGINT,
  open_fds BIGINT,
  max_fds BIGINT,
  threads BIGINT,
  io_busy_avg DOUBLE PRECISION,
  io_busy_max DOUBLE PRECISION,
  blocking_queued BIGINT,
  PRIMARY KEY (service, minute, instance, sender)
);
CREATE INDEX observer_resources_minute ON observer_resources (minute);
