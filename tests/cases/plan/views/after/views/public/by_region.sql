CREATE VIEW public.by_region AS
SELECT region, count(*) AS n FROM public.orders GROUP BY region;
