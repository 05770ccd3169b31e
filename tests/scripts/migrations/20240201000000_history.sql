-- History-style changes, as `supabase db diff` and hand-written migrations make them.
ALTER TABLE todos ADD COLUMN done boolean NOT NULL DEFAULT false;
ALTER TABLE todos ADD CONSTRAINT title_length CHECK (char_length(title) > 0) NOT VALID;
ALTER TABLE todos VALIDATE CONSTRAINT title_length;

CREATE OR REPLACE FUNCTION public.todo_count(who uuid) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.todos WHERE owner = who AND NOT done $$;

DROP POLICY IF EXISTS "owner reads" ON todos;
CREATE POLICY "owner reads" ON todos FOR SELECT TO authenticated
  USING (owner = (SELECT auth.uid()));

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'todo_status') THEN
    CREATE TYPE public.todo_status AS ENUM ('open', 'closed');
  END IF;
END
$$;
ALTER TABLE todos ADD COLUMN status todo_status NOT NULL DEFAULT 'open';

DROP TABLE IF EXISTS old_stuff;
CREATE TABLE settings (key text PRIMARY KEY, value jsonb NOT NULL);
INSERT INTO settings (key, value) VALUES ('theme', '"dark"');
SELECT setval(pg_get_serial_sequence('todos', 'id'), 100);
CREATE INDEX todos_owner_idx ON todos (owner);
CREATE VIEW open_todos AS SELECT id, title FROM todos WHERE NOT done;
