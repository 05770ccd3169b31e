-- Primary key, unique, check, foreign-key and exclusion constraints of the tables in scope.
-- NOT NULL constraints (contype 'n', PostgreSQL 18) are left out: attnotnull is the truth.
-- Constraints cloned from a parent (conparentid <> 0: partitions, FKs to partitioned
-- tables) are left out: they follow from the parent's.
SELECT n.nspname AS schema,
       c.relname AS table,
       con.conname AS name,
       con.contype::text AS kind,
       -- only checks need the printed definition; printing is the costly part
       CASE WHEN con.contype IN ('c', 'x') THEN pg_catalog.pg_get_constraintdef(con.oid) END AS definition,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS columns,
       fn.nspname AS ref_schema,
       fc.relname AS ref_table,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
             ORDER BY k.ord) AS ref_columns,
       con.confupdtype::text AS on_update,
       con.confdeltype::text AS on_delete,
       con.confmatchtype::text AS match,
       con.condeferrable AS deferrable,
       con.condeferred AS initially_deferred,
       con.connoinherit AS no_inherit,
       coalesce(i.indnullsnotdistinct, false) AS nulls_not_distinct
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = con.conindid AND con.contype = 'u'
WHERE con.contype IN ('p', 'u', 'c', 'f', 'x')
  AND con.conparentid = 0
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
ORDER BY 1, 2, 3
