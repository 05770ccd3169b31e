CREATE VIEW public.a_customer_totals WITH (security_invoker = true) AS
SELECT customer, sum(amount) AS total
FROM public.big_orders
GROUP BY customer;
