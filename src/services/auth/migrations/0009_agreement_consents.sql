-- A customer's acceptance of each version of the app's agreements (用户服务协议, 隐私政策):
-- the digest of the exact text accepted, when, from which address and device (issue 28 item 15).
CREATE TABLE auth_agreement_consents (
  customer_id TEXT NOT NULL,
  agreement TEXT NOT NULL,
  version TEXT NOT NULL,
  digest TEXT NOT NULL,
  agreed_at_ms BIGINT NOT NULL,
  ip TEXT NOT NULL,
  device TEXT NOT NULL,
  PRIMARY KEY (customer_id, agreement, version)
);
