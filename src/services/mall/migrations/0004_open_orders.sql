-- A customer's open purchases of a product (is this a first purchase?), found without walking
-- every order the customer ever placed.
CREATE INDEX mall_orders_open ON mall_orders (customer_id, product_code) WHERE state IN ('placing', 'pending');
