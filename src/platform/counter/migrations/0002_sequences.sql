-- Every sequence the counter numbers from, created here rather than by its first use: two first
-- uses at once on a brand-new database would both insert (one failing on the key), and the
-- journal's row, taken first by every posting, would be created after the balance locks of the
-- very first postings (a lock order the rest never has). Numbering is unchanged (1 first); rows
-- already made by use keep their values.
INSERT INTO counter_sequences (name, next_value) VALUES
  ('journal', 1), ('order', 1), ('customer', 1), ('fund_account', 1), ('stock_account', 1), ('lot', 1), ('trade', 1)
ON CONFLICT (name) DO NOTHING;
