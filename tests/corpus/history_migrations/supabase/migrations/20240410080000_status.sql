ALTER TABLE public.todos ADD COLUMN status public.todo_status NOT NULL DEFAULT 'open';
UPDATE public.todos SET status = 'done' WHERE is_complete;
ALTER TABLE public.todos DROP COLUMN IF EXISTS is_complete;

-- counting by status now
CREATE OR REPLACE FUNCTION public.todo_count(uid uuid) RETURNS bigint
LANGUAGE sql STABLE
AS $$ SELECT count(*) FROM public.todos WHERE user_id = uid AND status = 'open' $$;

COMMENT ON TABLE public.todos IS 'One row per task.';
UPDATE public.app_config SET value = '200' WHERE key = 'max_todos';
