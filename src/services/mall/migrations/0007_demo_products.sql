-- The sandbox's demo products (app/demo_feed.hpp), one row per code the feed has taken up:
-- 'creating' (recorded before the product is made), 'on_sale' (made, priced and put on sale once:
-- never put back on sale after staff halt it), 'foreign' (a product of that code existed before
-- the feed came to it: never touched).
CREATE TABLE mall_demo (
  code TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  at_ms BIGINT NOT NULL
);
