-- The audit trail in the shape every service shares (core/storage/audit_trail.hpp): the customer
-- an entry concerns and the address it came from; customers' own acts (an assessment, a signed
-- warning, an application) are kept as well as staff's.
ALTER TABLE suit_audit ADD COLUMN customer TEXT NOT NULL DEFAULT '';
ALTER TABLE suit_audit ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX suit_audit_actor ON suit_audit (actor, at_ms);
CREATE INDEX suit_audit_customer ON suit_audit (customer, at_ms);
CREATE INDEX suit_audit_subject ON suit_audit (subject, at_ms);
