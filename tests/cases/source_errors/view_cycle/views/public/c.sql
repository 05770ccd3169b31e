CREATE VIEW public.c AS SELECT * FROM public.a;
