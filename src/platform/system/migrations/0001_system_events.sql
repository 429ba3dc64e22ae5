-- Start-up and shutdown of this node: which version ran which targets, and when.
CREATE TABLE system_events (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  node TEXT NOT NULL,
  version TEXT NOT NULL,
  targets TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX system_events_at ON system_events (at);
