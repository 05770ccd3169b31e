-- Row-level security forgotten on one table.
ALTER TABLE public.pages DISABLE ROW LEVEL SECURITY;
