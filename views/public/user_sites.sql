-- security_invoker: true
-- comment: The sites the caller can reach, with their organization and the caller's role in it.
-- grants: {authenticated: [select], service_role: [select]}
SELECT
  (select auth.uid()) AS user_id,
  s.id AS site_id,
  s.name,
  s.slug,
  s.status,
  s.organization_id,
  public.org_role(s.organization_id) AS role
FROM public.sites s
WHERE public.org_role(s.organization_id) IS NOT NULL
