-- security_invoker: true
-- comment: One row per organization the caller belongs to (owner included), with the caller's role.
-- grants: {authenticated: [select], service_role: [select]}
SELECT
  (select auth.uid()) AS user_id,
  o.id AS organization_id,
  o.name,
  o.slug,
  public.org_role(o.id) AS role,
  o.plan,
  o.status
FROM public.organizations o
WHERE public.org_role(o.id) IS NOT NULL
