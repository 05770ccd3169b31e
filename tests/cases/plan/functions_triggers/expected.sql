-- roseram-schema plan: 5 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- drop trigger 'notes_stamp' on public.notes (schema/public/functions.sql:12:1)
DROP TRIGGER IF EXISTS notes_stamp ON public.notes;

-- create function public.first_note() (schema/public/functions.sql:10:1)
CREATE OR REPLACE FUNCTION public.first_note() RETURNS text LANGUAGE sql STABLE AS $$ SELECT body FROM public.notes ORDER BY id LIMIT 1 $$;

-- replace function public.stamp() (schema/public/functions.sql:1:1)
CREATE OR REPLACE FUNCTION public.stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;

-- create trigger 'notes_stamp' on public.notes (schema/public/functions.sql:12:1)
CREATE TRIGGER notes_stamp BEFORE INSERT OR UPDATE ON public.notes
FOR EACH ROW EXECUTE FUNCTION public.stamp();

-- drop function public.old_helper()
DROP FUNCTION IF EXISTS public.old_helper();

COMMIT;
