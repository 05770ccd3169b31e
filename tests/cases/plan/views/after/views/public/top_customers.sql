CREATE VIEW public.top_customers AS
SELECT customer FROM public.customer_totals WHERE total_amount > 100;
