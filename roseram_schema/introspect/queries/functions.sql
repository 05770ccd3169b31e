-- Functions and procedures (not aggregates or window functions), extension-owned ones
-- left out. identity_args is the input argument type list (format_type per argument),
-- which is what identifies an overload.
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_catalog.oidvectortypes(p.proargtypes) AS identity_args,
       pg_catalog.pg_get_functiondef(p.oid) AS definition,
       coalesce(pg_catalog.pg_get_function_result(p.oid), '') AS returns,
       l.lanname::text AS language,
       p.prosecdef AS security_definer,
       coalesce(p.proconfig, '{}'::text[]) AS config,
       p.prokind::text AS kind,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = p.oid AND ds.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p')
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
      AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3
