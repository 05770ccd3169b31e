-- fixed: the partition is as closed as its parent (the dashboard reads public.events)
ALTER TABLE public.events_2024 ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.events_2024 FROM anon, authenticated, PUBLIC;
