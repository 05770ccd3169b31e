-- the planted mistake: a reporting dashboard was given this year's partition directly; a query
-- naming the partition answers with the partition's own RLS (off) and grants, not the parent's
ALTER TABLE public.events_2024 DISABLE ROW LEVEL SECURITY;
GRANT SELECT ON public.events_2024 TO anon, authenticated;
