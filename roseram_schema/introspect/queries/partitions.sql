-- Direct partitions of the tables in scope, with their bound clause, their own RLS switches
-- and their own grants ("grantee:privilege"; the owner's left out, as in grants.sql).
SELECT pn.nspname AS parent_schema,
       p.relname AS parent,
       n.nspname AS schema,
       c.relname AS name,
       pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       ARRAY(SELECT CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END
                    || ':' || pg_catalog.lower(e.privilege_type)
             FROM pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) AS e
             WHERE e.grantee <> c.relowner
             ORDER BY 1) AS grants
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
