-- Profiles carry a role; admins read the reports. A user edits their own profile.
CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'user',
  full_name text
);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_own ON public.profiles FOR SELECT TO authenticated
  USING (id = (select auth.uid()));
CREATE POLICY edit_own ON public.profiles FOR UPDATE TO authenticated
  USING (id = (select auth.uid()));
-- fixed: users may update their name only (a WITH CHECK reading profiles again would recurse)
GRANT SELECT, UPDATE (full_name) ON public.profiles TO authenticated;
GRANT ALL ON public.profiles TO service_role;

CREATE TABLE public.reports (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text);
ALTER TABLE public.reports ENABLE ROW LEVEL SECURITY;
CREATE POLICY admins_read ON public.reports FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.profiles p WHERE p.id = (select auth.uid()) AND p.role = 'admin'));
GRANT SELECT ON public.reports TO authenticated;
GRANT ALL ON public.reports TO service_role;
