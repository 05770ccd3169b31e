-- indexes: [[a]]
SELECT a FROM public.t
