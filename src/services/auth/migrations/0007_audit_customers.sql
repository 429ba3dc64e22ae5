-- The audit trail in the shape every service shares (core/storage/audit_trail.hpp): the customer
-- an entry concerns (a sign-up, a sign-in, a session ended by staff), filled for the past where
-- the actor was the customer (ids this service made: "C" and 12 digits).
ALTER TABLE auth_audit ADD COLUMN customer TEXT NOT NULL DEFAULT '';
UPDATE auth_audit SET customer = actor WHERE substr(actor, 1, 1) = 'C' AND length(actor) = 13;
CREATE INDEX auth_audit_customer ON auth_audit (customer, at_ms);
CREATE INDEX auth_audit_subject ON auth_audit (subject, at_ms);
