-- Public projects are for everyone, but the read policy forgot anon.
DROP POLICY projects_select ON public.projects;
CREATE POLICY projects_select ON public.projects FOR SELECT TO authenticated
  USING (is_public OR user_id = (SELECT auth.uid()));
