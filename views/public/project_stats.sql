-- security_invoker: true
-- comment: Per project the caller can see, messages, deployments, generations, tokens, last activity.
-- grants: {authenticated: [select], service_role: [select]}
SELECT
  p.id,
  p.user_id,
  p.name,
  (SELECT count(*) FROM public.chat_messages m WHERE m.project_id = p.id) AS message_count,
  (SELECT count(*) FROM public.deployments d WHERE d.project_id = p.id) AS deployment_count,
  (SELECT count(*) FROM public.code_generations g WHERE g.project_id = p.id) AS generation_count,
  (SELECT coalesce(sum(m.tokens_used), 0) FROM public.chat_messages m WHERE m.project_id = p.id)
    + (SELECT coalesce(sum(g.tokens_used), 0) FROM public.code_generations g WHERE g.project_id = p.id)
    AS total_tokens,
  (SELECT coalesce(sum(g.tokens_used), 0) FROM public.code_generations g WHERE g.project_id = p.id)
    AS generation_tokens,
  (SELECT max(m.created_at) FROM public.chat_messages m WHERE m.project_id = p.id) AS last_message,
  (SELECT max(g.created_at) FROM public.code_generations g WHERE g.project_id = p.id) AS last_generation
FROM public.projects p
