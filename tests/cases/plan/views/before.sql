CREATE TABLE public.orders (
    id integer NOT NULL,
    customer text NOT NULL,
    amount numeric(10,2) NOT NULL,
    region varchar(10),
    CONSTRAINT orders_pkey PRIMARY KEY (id)
);
INSERT INTO public.orders SELECT g, 'c' || (g % 4), g * 1.5, 'r' || (g % 2) FROM generate_series(1, 40) g;
CREATE VIEW public.big_orders WITH (security_invoker = true) AS
SELECT id, customer, amount FROM public.orders WHERE amount > 10;
CREATE VIEW public.customer_totals AS
SELECT customer, sum(amount) AS total FROM public.big_orders GROUP BY customer;
CREATE VIEW public.top_customers AS
SELECT customer FROM public.customer_totals WHERE total > 100;
CREATE VIEW public.by_region AS
SELECT region, count(*) AS n FROM public.orders GROUP BY region;
CREATE VIEW public.retired AS SELECT id FROM public.orders;
GRANT SELECT ON public.big_orders TO authenticated;
