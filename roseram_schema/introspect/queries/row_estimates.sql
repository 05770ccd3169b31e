-- Estimated rows per table in scope, for hazards ("ACCESS EXCLUSIVE lock on ~N rows").
-- reltuples is -1 until the table was first vacuumed or analyzed (PostgreSQL 14+); then
-- the table's current size stands in: a table with pages is not empty. A partitioned
-- table has no rows of its own: its estimate is the sum of its partitions'.
WITH RECURSIVE rels AS (
  SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind, c.relpages, c.reltuples
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm')
    AND NOT c.relispartition
    AND n.nspname = ANY (%(schemas)s::text[])
), tree AS (
  SELECT r.oid AS root, r.oid AS rel FROM rels r
  UNION ALL
  SELECT t.root, i.inhrelid FROM tree t JOIN pg_catalog.pg_inherits i ON i.inhparent = t.rel
), estimates AS (
  SELECT t.root,
         sum(CASE
               WHEN c.relkind = 'p' THEN 0
               WHEN c.reltuples >= 0 THEN c.reltuples
               -- never analyzed: assume ~100 bytes per row on the pages it has now
               ELSE (pg_catalog.pg_relation_size(c.oid)
                     / pg_catalog.current_setting('block_size')::int) * 80
             END) AS rows
  FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.rel
  GROUP BY t.root
)
SELECT r.schema, r.name, coalesce(e.rows, 0)::bigint AS rows
FROM rels r LEFT JOIN estimates e ON e.root = r.oid
ORDER BY 1, 2
