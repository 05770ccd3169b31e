-- materialized: true
SELECT DISTINCT region FROM public.orders
