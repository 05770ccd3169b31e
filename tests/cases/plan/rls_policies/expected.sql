-- roseram-schema plan: 10 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- disable row level security on public.open_log (policies/public/open_log.yaml:1:1)
-- hazard: opens_access (blocking): row level security on public.open_log is disabled: its policies no longer filter rows; authenticated may SELECT, INSERT every row
ALTER TABLE public.open_log DISABLE ROW LEVEL SECURITY;

-- drop policy 'anyone' on public.docs (policies/public/docs.yaml:1:1)
-- hazard: changes_access: policy 'anyone' no longer lets anon SELECT reach rows of public.docs
DROP POLICY IF EXISTS anyone ON public.docs;

-- drop policy 'write own' on public.docs (policies/public/docs.yaml:7:5)
-- hazard: changes_access: authenticated may no longer DELETE public.docs
-- hazard: changes_access: authenticated may no longer INSERT public.docs
DROP POLICY IF EXISTS "write own" ON public.docs;

-- drop policy 'all' on public.open_log (policies/public/open_log.yaml:1:1)
-- hazard: changes_access: policy 'all' no longer lets authenticated SELECT/INSERT/UPDATE/DELETE reach rows of public.open_log
DROP POLICY IF EXISTS "all" ON public.open_log;

-- revoke delete on table public.docs from authenticated (schema/public/docs.yaml:7:3)
-- hazard: changes_access: authenticated may no longer DELETE public.docs
REVOKE DELETE ON TABLE public.docs FROM authenticated;

-- alter policy 'read own' on public.docs (roles, using) (policies/public/docs.yaml:3:5)
-- hazard: opens_access (blocking): permissive policy 'read own' on public.docs changes for anon, authenticated SELECT: USING (owner_id = (select auth.uid()) OR public) (was USING ((owner_id = auth.uid()))); now for anon: rows it did not let through before may now be reached
ALTER POLICY "read own" ON public.docs TO anon, authenticated
    USING (owner_id = (select auth.uid()) OR public);

-- create policy 'write own' on public.docs (policies/public/docs.yaml:7:5)
-- hazard: opens_access (blocking): new permissive policy 'write own' lets authenticated UPDATE reach the rows of public.docs where USING (owner_id = (select auth.uid()))
CREATE POLICY "write own" ON public.docs FOR UPDATE TO authenticated
    USING (owner_id = (select auth.uid()));

-- create policy 'own notes' on public.notes (policies/public/notes.yaml:3:5)
-- hazard: changes_access: policy 'own notes' now governs which rows authenticated SELECT/INSERT/UPDATE/DELETE reaches in public.notes
CREATE POLICY "own notes" ON public.notes FOR ALL TO authenticated
    USING (owner_id = (select auth.uid()))
    WITH CHECK (owner_id = (select auth.uid()));

-- enable row level security on public.notes (policies/public/notes.yaml:1:1)
-- hazard: changes_access: row level security on public.notes enabled: only rows a policy allows are visible
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;

-- force row level security on public.notes (policies/public/notes.yaml:1:1)
-- hazard: changes_access: the owner of public.notes is now subject to its policies
ALTER TABLE public.notes FORCE ROW LEVEL SECURITY;

COMMIT;
