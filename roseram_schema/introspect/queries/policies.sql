-- Row-level-security policies of the tables in scope; expressions as pg_get_expr prints
-- them; role oid 0 is PUBLIC.
SELECT n.nspname AS schema,
       c.relname AS table,
       p.polname AS name,
       p.polcmd::text AS command,
       p.polpermissive AS permissive,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END
             FROM pg_catalog.unnest(p.polroles) AS r) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = p.oid AND ds.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
ORDER BY 1, 2, 3
