-- Unqualified organization_id inside the subquery is organization_members' own column:
-- `organization_id = organization_id` is always true, so an editor of any tenant may
-- create sites in every tenant.
DROP POLICY sites_insert ON public.sites;
CREATE POLICY sites_insert ON public.sites FOR INSERT TO authenticated
  WITH CHECK (EXISTS (SELECT 1 FROM public.organization_members
                      WHERE organization_id = organization_id AND user_id = (SELECT auth.uid())
                        AND role IN ('owner', 'admin', 'editor')));
