-- Views and materialized views: the query as pg_get_viewdef(oid, true) prints it, the
-- reloptions (security_invoker, security_barrier, check_option) and the relations the
-- view's rewrite rule depends on (system schemas left out).
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind = 'm' AS materialized,
       pg_catalog.pg_get_viewdef(c.oid, true) AS query,
       coalesce(c.reloptions, '{}'::text[]) AS options,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0) AS comment,
       ARRAY(SELECT DISTINCT rn.nspname || '.' || rc.relname
             FROM pg_catalog.pg_rewrite r
             JOIN pg_catalog.pg_depend d
               ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
              AND d.objid = r.oid
              AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
             JOIN pg_catalog.pg_class rc ON rc.oid = d.refobjid
             JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
             WHERE r.ev_class = c.oid
               AND d.refobjid <> c.oid
               AND rn.nspname NOT IN ('pg_catalog', 'information_schema')
             ORDER BY 1) AS depends_on
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm')
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
