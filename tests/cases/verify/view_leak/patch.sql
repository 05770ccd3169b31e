-- The view runs with its owner's rights (no security_invoker): every site of every tenant.
DROP VIEW public.user_sites;
CREATE VIEW public.user_sites AS
  SELECT s.id AS site_id, s.name, s.organization_id FROM public.sites s;
GRANT SELECT ON public.user_sites TO authenticated;
