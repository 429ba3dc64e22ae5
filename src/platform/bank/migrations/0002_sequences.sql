-- The transfer serial's sequence, created here rather than by its first use: two first transfers
-- at once on a brand-new database would both insert the row, and one of them fail on the key.
-- Numbering is unchanged (1 first); a row already made by use keeps its value.
INSERT INTO bank_sequences (name, next_value) VALUES ('serial', 1) ON CONFLICT (name) DO NOTHING;
