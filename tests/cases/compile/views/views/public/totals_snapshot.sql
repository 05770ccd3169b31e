-- materialized: true
SELECT customer, total FROM public.a_customer_totals
