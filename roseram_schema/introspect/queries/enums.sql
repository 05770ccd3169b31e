-- Enum types with their labels in sort order; extension-owned types left out.
SELECT n.nspname AS schema,
       t.typname AS name,
       ARRAY(SELECT e.enumlabel::text
             FROM pg_catalog.pg_enum e
             WHERE e.enumtypid = t.oid
             ORDER BY e.enumsortorder) AS values,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = t.oid AND ds.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e'
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
      AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2
