-- Notes are private to their author; an RPC fetches one note by id.
CREATE TABLE public.notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  body text
);
CREATE INDEX ON public.notes (user_id);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON public.notes FOR ALL TO authenticated
  USING (user_id = (select auth.uid())) WITH CHECK (user_id = (select auth.uid()));
GRANT ALL ON public.notes TO authenticated, service_role;

-- the planted mistake: SECURITY DEFINER reads notes without RLS, and PUBLIC may execute it
-- (PostgreSQL's default): /rpc/get_note hands any note to anyone who knows its id
CREATE FUNCTION public.get_note(note_id uuid) RETURNS SETOF public.notes
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$ SELECT * FROM public.notes WHERE id = note_id $$;
