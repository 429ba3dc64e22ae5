-- The audit trail in the shape every service shares (core/storage/audit_trail.hpp): the customer
-- an entry concerns (a sign-up, a sign-in, a session ended by staff), filled for the past from
-- the customer entries' actor.
ALTER TABLE auth_audit ADD COLUMN customer TEXT NOT NULL DEFAULT '';
UPDATE auth_audit SET customer = actor WHERE actor LIKE 'C%';
CREATE INDEX auth_audit_customer ON auth_audit (customer, at_ms);
