-- Editors read the internal docs; who is an editor comes from the JWT.
CREATE TABLE public.docs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text, body text);
ALTER TABLE public.docs ENABLE ROW LEVEL SECURITY;
-- the planted mistake: user_metadata is written by the user (supabase.auth.updateUser)
CREATE POLICY editors_read ON public.docs FOR SELECT TO authenticated
  USING (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'editor');
GRANT SELECT ON public.docs TO authenticated;
GRANT ALL ON public.docs TO service_role;
