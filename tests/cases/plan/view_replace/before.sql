CREATE TABLE public.orders (
    id integer NOT NULL,
    customer text NOT NULL,
    amount numeric(10,2) NOT NULL,
    CONSTRAINT orders_pkey PRIMARY KEY (id)
);
CREATE VIEW public.big_orders WITH (security_invoker = true) AS
SELECT id, customer FROM public.orders WHERE amount > 10;
CREATE VIEW public.customer_totals AS
SELECT customer, sum(amount) AS total FROM public.orders GROUP BY customer;
CREATE VIEW public.top_customers AS
SELECT customer FROM public.customer_totals WHERE total > 100;
