-- A read policy meant for signed-in members was granted to anon.
GRANT SELECT ON public.sites TO anon;
CREATE POLICY sites_preview ON public.sites FOR SELECT TO anon
  USING (organization_id IS NOT NULL);
