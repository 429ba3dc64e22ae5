-- Registry and config center (embedded backend). Instances are ephemeral (they re-register after
-- a registry restart); what operators set on them, and every config version, is kept here.
CREATE TABLE registry_overrides (
  service TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  enabled INTEGER,
  weight BIGINT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (service, instance_id)
);
CREATE TABLE config_items (
  namespace_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  data_id TEXT NOT NULL,
  content TEXT NOT NULL,
  format TEXT NOT NULL,
  version BIGINT NOT NULL,
  md5 TEXT NOT NULL,
  author TEXT NOT NULL,
  comment TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace_id, grp, data_id)
);
CREATE TABLE config_gray (
  namespace_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  data_id TEXT NOT NULL,
  tag TEXT NOT NULL,
  content TEXT NOT NULL,
  format TEXT NOT NULL,
  version BIGINT NOT NULL,
  md5 TEXT NOT NULL,
  author TEXT NOT NULL,
  comment TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (namespace_id, grp, data_id)
);
-- Every version ever published, gray ones included; never updated or deleted.
CREATE TABLE config_history (
  namespace_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  data_id TEXT NOT NULL,
  version BIGINT NOT NULL,
  kind TEXT NOT NULL,
  content TEXT NOT NULL,
  format TEXT NOT NULL,
  md5 TEXT NOT NULL,
  author TEXT NOT NULL,
  comment TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (namespace_id, grp, data_id, version)
);
-- The last version each instance received, and whether it applied it.
CREATE TABLE config_acks (
  namespace_id TEXT NOT NULL,
  grp TEXT NOT NULL,
  data_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  version BIGINT NOT NULL,
  md5 TEXT NOT NULL,
  applied INTEGER NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (namespace_id, grp, data_id, instance)
);
-- Append-only: every config change and operator action.
CREATE TABLE registry_audit (
  id BIGINT PRIMARY KEY,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  trace_id TEXT NOT NULL
);
