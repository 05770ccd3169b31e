-- Composite types made by CREATE TYPE ... AS (not the row types of tables and views), with
-- their attributes in order; extension-owned types left out.
SELECT n.nspname AS schema,
       t.typname AS name,
       coalesce((SELECT pg_catalog.array_agg(pg_catalog.jsonb_build_object(
                          'name', a.attname::text,
                          'type', pg_catalog.format_type(a.atttypid, a.atttypmod),
                          'collation', CASE WHEN a.attcollation <> at.typcollation THEN
                            CASE WHEN con.nspname <> 'pg_catalog'
                                   THEN pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                                 WHEN co.collname ~ '[."]' THEN pg_catalog.quote_ident(co.collname)
                                 ELSE co.collname::text END END)
                        ORDER BY a.attnum)
                 FROM pg_catalog.pg_attribute a
                 JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
                 LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
                 LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
                 WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '{}') AS attributes,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = t.oid AND ds.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
WHERE t.typtype = 'c'
  AND c.relkind = 'c'
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
      AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2
