CREATE SCHEMA private;
SET search_path = private, public;
CREATE TABLE audit (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  todo_id bigint NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION public.todo_count(who uuid) RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT count(*) FROM public.todos WHERE owner = who AND status = 'open' $$;

CREATE FUNCTION private.log_todo() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO private.audit (todo_id) VALUES (NEW.id);
  RETURN NEW;
END
$$;
CREATE TRIGGER todos_audit AFTER INSERT ON public.todos
  FOR EACH ROW EXECUTE FUNCTION private.log_todo();
RESET search_path;
