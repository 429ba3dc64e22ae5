-- The audit trail in the shape every service shares (core/storage/audit_trail.hpp): the customer
-- an entry concerns and the address it came from, so the console finds a customer's purchases
-- and a staff member's changes in one view across services.
ALTER TABLE mall_audit ADD COLUMN customer TEXT NOT NULL DEFAULT '';
ALTER TABLE mall_audit ADD COLUMN ip TEXT NOT NULL DEFAULT '';
CREATE INDEX mall_audit_actor ON mall_audit (actor, at_ms);
CREATE INDEX mall_audit_customer ON mall_audit (customer, at_ms);
CREATE INDEX mall_audit_subject ON mall_audit (subject, at_ms);
