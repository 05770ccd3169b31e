-- Domains in scope with their base type, default, NOT NULL, collation (only when it differs
-- from the base type's) and named CHECK constraints in name order; extension-owned left out.
SELECT n.nspname AS schema,
       t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS base_type,
       t.typnotnull AS not_null,
       t.typdefault AS "default",
       CASE WHEN t.typcollation <> b.typcollation THEN
         CASE WHEN con.nspname <> 'pg_catalog'
                THEN pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
              WHEN co.collname ~ '[."]' THEN pg_catalog.quote_ident(co.collname)
              ELSE co.collname::text END
       END AS collation,
       coalesce((SELECT pg_catalog.array_agg(c.conname::text || E'\n' || pg_catalog.pg_get_constraintdef(c.oid)
                                             ORDER BY c.conname)
                 FROM pg_catalog.pg_constraint c
                 WHERE c.contypid = t.oid AND c.contype = 'c'), '{}') AS constraints,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = t.oid AND ds.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type b ON b.oid = t.typbasetype
LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
WHERE t.typtype = 'd'
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
      AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1, 2
