-- Schemas in scope. With %(schemas)s NULL: every schema except system, platform
-- (%(excluded)s) and extension-owned ones; otherwise exactly the named ones that exist.
SELECT n.nspname AS name,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = n.oid AND ds.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_namespace n
WHERE CASE
        WHEN %(schemas)s::text[] IS NULL THEN
          n.nspname NOT LIKE 'pg\_%%'
          AND n.nspname <> ALL (%(excluded)s::text[])
          AND NOT EXISTS (
            SELECT FROM pg_catalog.pg_depend d
            WHERE d.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
              AND d.objid = n.oid AND d.deptype = 'e')
        ELSE n.nspname = ANY (%(schemas)s::text[])
      END
ORDER BY n.nspname
