-- Extensions installed into a schema in scope, or asked for by name (%(extensions)s).
-- plpgsql is part of every database and only reported when asked for.
SELECT e.extname AS name,
       n.nspname AS schema
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname = ANY (%(extensions)s::text[])
   OR (n.nspname = ANY (%(schemas)s::text[]) AND e.extname <> 'plpgsql')
ORDER BY e.extname
