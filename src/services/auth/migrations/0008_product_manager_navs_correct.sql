-- Product managers correct NAVs entered wrong with navs.correct (issue 28 item 1). A fresh install
-- seeds the built-in product_manager role with it (StaffStore::seed_roles, after the migrations); a
-- deployment seeded before it existed gets it here, once, for the built-in role only.
UPDATE auth_roles SET permissions = CASE WHEN permissions = '' THEN 'navs.correct' ELSE permissions || ',navs.correct' END
 WHERE name = 'product_manager' AND builtin = 1 AND (',' || permissions || ',') NOT LIKE '%,navs.correct,%';
