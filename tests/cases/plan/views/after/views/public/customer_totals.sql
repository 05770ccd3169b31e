CREATE VIEW public.customer_totals AS
SELECT customer, sum(amount) AS total_amount
FROM public.big_orders
GROUP BY customer;
