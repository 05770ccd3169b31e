-- What Supabase's default privileges give these tables (the app relies on them: no GRANT in
-- its SQL); the scratch database verify builds on a plain server has no such defaults.
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notebooks, public.notes TO anon, authenticated, service_role;
