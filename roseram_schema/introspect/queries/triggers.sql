-- User triggers on tables and views in scope, and the user's own triggers on platform
-- tables (auth.users: those calling a function of a schema in scope): internal ones (FK
-- enforcement) and the clones a partitioned table's trigger puts on its partitions are
-- left out.
SELECT n.nspname AS schema,
       c.relname AS table,
       t.tgname AS name,
       pg_catalog.pg_get_triggerdef(t.oid) AS definition,
       fn.nspname || '.' || f.proname || '(' || pg_catalog.oidvectortypes(f.proargtypes) || ')' AS function,
       t.tgenabled <> 'D' AS enabled
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
WHERE NOT t.tgisinternal
  AND t.tgparentid = 0
  AND NOT c.relispartition
  AND (n.nspname = ANY (%(schemas)s::text[])
       OR (n.nspname = ANY (%(platform)s::text[]) AND fn.nspname = ANY (%(schemas)s::text[])))
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
      AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
