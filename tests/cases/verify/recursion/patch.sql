-- organizations reads organization_members through RLS, and organization_members reads
-- organizations back: PostgreSQL fails with "infinite recursion detected in policy".
DROP POLICY members_select ON public.organization_members;
CREATE POLICY members_select ON public.organization_members FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.organizations o WHERE o.id = organization_members.organization_id));
DROP POLICY org_select ON public.organizations;
CREATE POLICY org_select ON public.organizations FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.organization_members m
                 WHERE m.organization_id = organizations.id AND m.user_id = (SELECT auth.uid())));
