-- Direct partitions of the tables in scope, with their bound clause.
SELECT pn.nspname AS parent_schema,
       p.relname AS parent,
       n.nspname AS schema,
       c.relname AS name,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relispartition
  AND p.relkind = 'p'
  AND NOT p.relispartition
  AND pn.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR pn.nspname || '.' || p.relname = ANY (%(tables)s::text[]))
ORDER BY 1, 2, 4
