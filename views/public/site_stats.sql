-- security_invoker: true
-- comment: Per site the caller can see, pages, published pages, deployments, last deployment, views.
-- grants: {authenticated: [select], service_role: [select]}
SELECT
  s.id,
  s.organization_id,
  (SELECT count(*) FROM public.pages p WHERE p.site_id = s.id) AS total_pages,
  (SELECT count(*) FROM public.pages p
    WHERE p.site_id = s.id AND p.status = 'published') AS published_pages,
  (SELECT count(*) FROM public.deployments d WHERE d.site_id = s.id) AS total_deployments,
  (SELECT max(d.created_at) FROM public.deployments d WHERE d.site_id = s.id) AS last_deployment,
  (SELECT coalesce(sum(a.views), 0)
     FROM public.page_analytics a
     JOIN public.pages p ON p.id = a.page_id
    WHERE p.site_id = s.id) AS total_views
FROM public.sites s
