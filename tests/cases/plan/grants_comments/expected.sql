-- roseram-schema plan: 11 statement(s)
BEGIN;
-- function bodies are checked when they run, not when created: they may name tables created later in this script
SET LOCAL check_function_bodies = off;

-- revoke usage on schema app from anon
-- hazard: changes_access: anon loses USAGE on schema app
REVOKE USAGE ON SCHEMA app FROM anon;

-- revoke update on table app.items from anon (schema/app/items.yaml:7:3)
-- hazard: changes_access: anon may no longer UPDATE app.items
REVOKE UPDATE ON TABLE app.items FROM anon;

-- revoke execute on function public.answer() from public
-- hazard: changes_access: public loses EXECUTE on function public.answer()
REVOKE EXECUTE ON FUNCTION public.answer() FROM PUBLIC;

-- grant usage on schema app to authenticated (schema/public/functions.sql:5:1)
-- hazard: opens_access (blocking): authenticated is granted USAGE on schema app
GRANT USAGE ON SCHEMA app TO authenticated;

-- grant insert, select on table app.items to authenticated (schema/app/items.yaml:8:3)
-- hazard: opens_access (blocking): authenticated may now INSERT app.items
-- hazard: opens_access (blocking): authenticated may now SELECT app.items
GRANT INSERT, SELECT ON TABLE app.items TO authenticated;

-- grant execute on function public.answer() to authenticated (schema/public/functions.sql:4:1)
-- hazard: changes_access: authenticated is granted EXECUTE on function public.answer()
GRANT EXECUTE ON FUNCTION public.answer() TO authenticated;

-- set comment on schema app (project.yaml:3:5)
COMMENT ON SCHEMA app IS 'application objects';

-- set comment on table app.items (schema/app/items.yaml:1:1)
COMMENT ON TABLE app.items IS 'Items on sale.';

-- set comment on column app.items.id (schema/app/items.yaml:3:3)
COMMENT ON COLUMN app.items.id IS 'Item number';

-- remove comment on column app.items.label (schema/app/items.yaml:4:3)
COMMENT ON COLUMN app.items.label IS NULL;

-- set comment on function public.answer() (schema/public/functions.sql:1:1)
COMMENT ON FUNCTION public.answer() IS 'The answer.';

COMMIT;
