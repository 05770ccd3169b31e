ALTER TABLE public.todos ADD COLUMN IF NOT EXISTS due_date date;
ALTER TABLE public.todos ADD COLUMN priority smallint NOT NULL DEFAULT 0;
ALTER TABLE public.todos ADD CONSTRAINT todos_priority_check CHECK (priority BETWEEN 0 AND 3) NOT VALID;
ALTER TABLE public.todos VALIDATE CONSTRAINT todos_priority_check;

-- the first version counted finished todos too
CREATE OR REPLACE FUNCTION public.todo_count(uid uuid) RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT count(*) FROM public.todos WHERE user_id = uid AND NOT is_complete $$;

CREATE INDEX IF NOT EXISTS todos_user_id_idx ON public.todos (user_id);
