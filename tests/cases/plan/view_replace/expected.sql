-- roseram-schema plan: 8 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop (to re-create) view public.top_customers (views/public/top_customers.sql:1:1)
-- hazard: recreates_view: public.top_customers is dropped and created again: queries using it fail until the transaction commits
DROP VIEW IF EXISTS public.top_customers;

-- drop (to re-create) view public.customer_totals (views/public/customer_totals.sql:1:1)
-- hazard: recreates_view: public.customer_totals is dropped and created again: queries using it fail until the transaction commits
DROP VIEW IF EXISTS public.customer_totals;

-- replace view public.big_orders (views/public/big_orders.sql:2:1)
CREATE OR REPLACE VIEW public.big_orders WITH (security_invoker = true) AS
SELECT id, customer, amount
FROM public.orders
WHERE amount > 10;

-- create view public.customer_names (views/public/customer_names.sql:4:1)
CREATE VIEW public.customer_names WITH (security_invoker = true) AS
SELECT DISTINCT customer FROM public.orders;

-- create view public.customer_names (views/public/customer_names.sql:4:1)
COMMENT ON VIEW public.customer_names IS 'Every customer once.';

-- create view public.customer_names (views/public/customer_names.sql:4:1)
GRANT SELECT ON TABLE public.customer_names TO authenticated;

-- re-create view public.customer_totals (views/public/customer_totals.sql:1:1)
-- hazard: recreates_view: public.customer_totals is created again with its grants and comment
CREATE VIEW public.customer_totals AS
SELECT customer, sum(amount) AS total_amount FROM public.orders GROUP BY customer;

-- re-create view public.top_customers (views/public/top_customers.sql:1:1)
-- hazard: recreates_view: public.top_customers is created again with its grants and comment
CREATE VIEW public.top_customers AS
SELECT customer FROM public.customer_totals WHERE total_amount > 100;

COMMIT;
