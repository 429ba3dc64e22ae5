-- The account-number sequences of both markets, created here rather than by their first use: two
-- first accounts of a market at once on a brand-new database would both insert the row, and one
-- of them fail on the key. Numbering is unchanged (1 first); rows already made by use keep their
-- values.
INSERT INTO csdc_sequences (name, next_value) VALUES ('SH', 1), ('SZ', 1) ON CONFLICT (name) DO NOTHING;
