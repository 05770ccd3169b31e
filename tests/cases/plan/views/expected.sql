-- roseram-schema plan: 11 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop view public.retired
DROP VIEW IF EXISTS public.retired;

-- drop (to re-create) view public.top_customers (views/public/top_customers.sql:1:1)
-- hazard: recreates_view: public.top_customers is dropped and created again: queries using it fail until the transaction commits
DROP VIEW IF EXISTS public.top_customers;

-- drop (to re-create) view public.customer_totals (views/public/customer_totals.sql:1:1)
-- hazard: recreates_view: public.customer_totals is dropped and created again: queries using it fail until the transaction commits
DROP VIEW IF EXISTS public.customer_totals;

-- drop (to re-create) view public.by_region (views/public/by_region.sql:1:1)
-- hazard: recreates_view: public.by_region is dropped and created again: queries using it fail until the transaction commits
DROP VIEW IF EXISTS public.by_region;

-- change type of public.orders.region from character varying(10) to text (schema/public/orders.yaml:5:3)
ALTER TABLE public.orders ALTER COLUMN region TYPE text;

-- replace view public.big_orders (views/public/big_orders.sql:4:1)
CREATE OR REPLACE VIEW public.big_orders WITH (security_invoker = true) AS
SELECT id, customer, amount, region
FROM public.orders
WHERE amount > 10;

-- re-create view public.customer_totals (views/public/customer_totals.sql:1:1)
-- hazard: recreates_view: public.customer_totals is created again with its grants and comment
CREATE VIEW public.customer_totals AS
SELECT customer, sum(amount) AS total_amount
FROM public.big_orders
GROUP BY customer;

-- create materialized view public.region_names (views/public/region_names.sql:2:1)
CREATE MATERIALIZED VIEW public.region_names AS
SELECT DISTINCT region FROM public.orders;

-- re-create view public.top_customers (views/public/top_customers.sql:1:1)
-- hazard: recreates_view: public.top_customers is created again with its grants and comment
CREATE VIEW public.top_customers AS
SELECT customer FROM public.customer_totals WHERE total_amount > 100;

-- re-create view public.by_region (views/public/by_region.sql:1:1)
-- hazard: recreates_view: public.by_region is created again with its grants and comment
CREATE VIEW public.by_region AS
SELECT region, count(*) AS n FROM public.orders GROUP BY region;

-- set comment on view public.big_orders (views/public/big_orders.sql:4:1)
COMMENT ON VIEW public.big_orders IS 'Orders over 10, with their region.';

COMMIT;
