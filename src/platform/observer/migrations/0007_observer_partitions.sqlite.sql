-- SQLite: nothing to do. Spans and log records stay one table each, retention deletes their rows
-- in bounded rounds (the PostgreSQL side partitions them by day: 0007_observer_partitions.postgres.sql).
CREATE TABLE IF NOT EXISTS observer_partitions_note (id INTEGER PRIMARY KEY);
DROP TABLE observer_partitions_note;
