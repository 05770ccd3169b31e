-- fixed -- security_invoker, so reads and writes through the view meet the policies of notes
-- security_invoker: true
-- grants: {anon: [all], authenticated: [all], service_role: [all]}
SELECT n.id, n.user_id, n.body FROM public.notes n WHERE n.user_id = (select auth.uid())
