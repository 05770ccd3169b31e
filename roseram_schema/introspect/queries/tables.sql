-- Ordinary and partitioned tables (partitions are reported by partitions.sql, under
-- their parent), with RLS flags, comment and partition key.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0) AS comment,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       CASE c.relreplident WHEN 'f' THEN 'full' WHEN 'n' THEN 'nothing'
         WHEN 'i' THEN 'index ' || (SELECT ic.relname FROM pg_catalog.pg_index i
                                    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                                    WHERE i.indrelid = c.oid AND i.indisreplident)
         ELSE 'default' END AS replica_identity
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
