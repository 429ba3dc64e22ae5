-- A customer's fund account (资金账号) at the counter, once bound (by account opening, or in
-- sandbox mode by the customer opening a demo account). One fund account belongs to one customer.
ALTER TABLE auth_customers ADD COLUMN fund_account TEXT;
CREATE UNIQUE INDEX auth_customers_fund_account ON auth_customers (fund_account);
