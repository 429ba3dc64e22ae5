-- Evidence a customer uploads for a professional / qualified investor application (an asset
-- statement, an income certificate, proof of experience): the file sealed (personal data), its
-- SHA-256, kept like the application it supports (BUSINESS §1: no deletion path).
CREATE TABLE suit_evidence (
  id TEXT PRIMARY KEY,
  customer_id TEXT NOT NULL,
  name TEXT NOT NULL,
  content_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  data TEXT NOT NULL,
  uploaded_at_ms BIGINT NOT NULL
);
CREATE INDEX suit_evidence_customer ON suit_evidence (customer_id, uploaded_at_ms);
