-- The sandbox's demo products (app/demo_feed.hpp): when they were first put on sale. Seeded once:
-- a demo product staff later halt or change is never put back.
CREATE TABLE mall_demo (
  name TEXT PRIMARY KEY,
  at_ms BIGINT NOT NULL
);
