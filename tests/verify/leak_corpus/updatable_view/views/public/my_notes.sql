-- the planted mistake -- the WHERE hides other users' notes from reads, but the view runs with
-- its owner's rights and has no check option; PostgreSQL updates this simple view itself, so an
-- INSERT through it writes a note as any user, skipping the WITH CHECK of notes
-- grants: {anon: [all], authenticated: [all], service_role: [all]}
SELECT n.id, n.user_id, n.body FROM public.notes n WHERE n.user_id = (select auth.uid())
