-- Staff resolve stuck mall orders with orders.manage (issue 18). A fresh install seeds the
-- built-in operations role with it (StaffStore::seed_roles, after the migrations); a deployment
-- seeded before it existed gets it here, once, for the built-in role only. Staff may take it away
-- again (no later start puts it back).
UPDATE auth_roles SET permissions = CASE WHEN permissions = '' THEN 'orders.manage' ELSE permissions || ',orders.manage' END
 WHERE name = 'operations' AND builtin = 1 AND (',' || permissions || ',') NOT LIKE '%,orders.manage,%';
