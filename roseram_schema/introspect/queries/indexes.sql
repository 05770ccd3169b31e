-- Indexes of the tables and materialized views in scope, except the ones that back a
-- primary key, unique or exclusion constraint (those belong to the constraint), and
-- INVALID ones: an interrupted CREATE INDEX CONCURRENTLY leaves an index that no query
-- uses; reading it as missing makes the next plan build it again.
-- Each column printed by pg_get_indexdef(oid, k, true); ordering options, operator
-- classes that are not the default and collations are returned raw and assembled in
-- Python (the per-column form of pg_get_indexdef leaves them out).
SELECT n.nspname AS schema,
       c.relname AS table,
       ic.relname AS name,
       am.amname::text AS method,
       i.indisunique AS "unique",
       i.indnullsnotdistinct AS nulls_not_distinct,
       i.indnkeyatts AS key_count,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             FROM pg_catalog.generate_series(1, i.indnkeyatts) AS k
             ORDER BY k) AS columns,
       -- INCLUDE columns are plain column names (never expressions): raw attnames
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.generate_series(i.indnkeyatts + 1, i.indnatts) AS k
             JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
             ORDER BY k) AS include,
       i.indoption::int2[] AS options,
       -- scalar sub-selects per element so each lookup is an index probe, not a scan
       ARRAY(SELECT (SELECT CASE WHEN opc.opcdefault THEN NULL
                                 WHEN opc.opcnamespace = 'pg_catalog'::pg_catalog.regnamespace THEN opc.opcname::text
                                 ELSE pg_catalog.quote_ident(opc.opcnamespace::pg_catalog.regnamespace::text)
                                      || '.' || pg_catalog.quote_ident(opc.opcname) END
                     FROM pg_catalog.pg_opclass opc WHERE opc.oid = k.opcoid)
             FROM pg_catalog.unnest(i.indclass::oid[]) WITH ORDINALITY AS k(opcoid, ord)
             ORDER BY k.ord) AS opclasses,
       -- a key's collation is only written when it differs from its column's
       ARRAY(SELECT CASE WHEN k.colloid = 0 OR i.indkey[k.ord - 1] = 0 THEN NULL
                         ELSE (SELECT CASE WHEN co.oid = ta.attcollation THEN NULL
                                           WHEN co.collnamespace = 'pg_catalog'::pg_catalog.regnamespace
                                             THEN pg_catalog.quote_ident(co.collname)
                                           ELSE pg_catalog.quote_ident(co.collnamespace::pg_catalog.regnamespace::text)
                                                || '.' || pg_catalog.quote_ident(co.collname) END
                               FROM pg_catalog.pg_collation co, pg_catalog.pg_attribute ta
                               WHERE co.oid = k.colloid
                                 AND ta.attrelid = i.indrelid AND ta.attnum = i.indkey[k.ord - 1]) END
             FROM pg_catalog.unnest(i.indcollation::oid[]) WITH ORDINALITY AS k(colloid, ord)
             ORDER BY k.ord) AS collations,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS "where",
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = i.indexrelid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0) AS comment,
       c.relkind = 'm' AS on_matview
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE c.relkind IN ('r', 'p', 'm')
  AND NOT c.relispartition
  AND i.indisvalid
  AND n.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR c.relkind = 'm' OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_constraint con
    WHERE con.conindid = i.indexrelid
      AND con.conrelid = i.indrelid
      AND con.contype IN ('p', 'u', 'x'))
ORDER BY 1, 2, 3
