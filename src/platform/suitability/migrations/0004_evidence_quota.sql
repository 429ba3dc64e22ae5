-- Evidence files a customer uploaded per business day (suitability.evidence_per_day): counted by
-- one conditional upsert, so concurrent uploads never pass the cap.
CREATE TABLE suit_evidence_quota (
  customer_id TEXT NOT NULL,
  day TEXT NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (customer_id, day)
);
