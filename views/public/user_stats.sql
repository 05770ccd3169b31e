-- security_invoker: false
-- security_barrier: true
-- comment: The caller's own totals. Runs with the owner's rights (authenticated cannot read auth.users), so it filters to auth.uid() itself; security_barrier keeps a caller's functions from seeing other users' rows before that filter.
-- grants: {authenticated: [select], service_role: [select]}
SELECT
  u.id AS user_id,
  u.email,
  (SELECT count(*) FROM public.projects p WHERE p.user_id = u.id) AS total_projects,
  (SELECT count(*) FROM public.deployments d
    WHERE d.user_id = u.id AND d.deployment_type = 'github') AS github_deployments,
  (SELECT count(*) FROM public.deployments d
    WHERE d.user_id = u.id AND d.deployment_type = 'netlify') AS netlify_deployments,
  (SELECT count(*) FROM public.code_generations g WHERE g.user_id = u.id) AS total_prompts,
  (SELECT coalesce(sum(g.tokens_used), 0) FROM public.code_generations g WHERE g.user_id = u.id)
    AS total_tokens_used,
  greatest(
    (SELECT max(p.updated_at) FROM public.projects p WHERE p.user_id = u.id),
    (SELECT max(g.created_at) FROM public.code_generations g WHERE g.user_id = u.id),
    (SELECT max(m.created_at) FROM public.chat_messages m WHERE m.user_id = u.id),
    (SELECT max(d.created_at) FROM public.deployments d WHERE d.user_id = u.id)
  ) AS last_activity
FROM auth.users u
WHERE u.id = (select auth.uid())
