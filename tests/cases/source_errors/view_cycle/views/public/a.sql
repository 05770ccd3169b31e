SELECT * FROM public.b
