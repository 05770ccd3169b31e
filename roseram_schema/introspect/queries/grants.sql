-- Privileges granted on schemas, tables, views and functions in scope, one row per
-- (object, grantee, privilege). A NULL ACL means the built-in default (acldefault), so a
-- function nobody touched still shows EXECUTE for PUBLIC. The owner's own privileges are
-- implicit and left out. Grantee oid 0 is PUBLIC. Extension-owned objects are left out, so
-- their grants do not pull roles into the catalog. Column privileges (GRANT SELECT (a) ON t)
-- are kind 'column', with the column's name; a column with no ACL of its own has none.
WITH objects AS (
  SELECT 'schema' AS kind, n.nspname::text AS schema, NULL::text AS name, NULL::text AS column_name, n.nspowner AS owner,
         coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner)) AS acl
  FROM pg_catalog.pg_namespace n
  WHERE n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'relation', n.nspname, c.relname, NULL, c.relowner,
         coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm')
    AND NOT c.relispartition
    AND n.nspname = ANY (%(schemas)s::text[])
    -- views are always read whole; tables only those asked for, when asked
    AND (%(tables)s::text[] IS NULL OR c.relkind IN ('v', 'm') OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
    AND NOT EXISTS (
      SELECT FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'column', n.nspname, c.relname, a.attname::text, c.relowner, a.attacl
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
    AND c.relkind IN ('r', 'p')
    AND NOT c.relispartition
    AND n.nspname = ANY (%(schemas)s::text[])
    AND (%(tables)s::text[] IS NULL OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
  UNION ALL
  SELECT 'function', n.nspname,
         p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', NULL, p.proowner,
         coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE p.prokind IN ('f', 'p')
    AND n.nspname = ANY (%(schemas)s::text[])
    AND NOT EXISTS (
      SELECT FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
        AND d.objid = p.oid AND d.deptype = 'e')
)
SELECT o.kind,
       o.schema,
       o.name,
       o.column_name,
       CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END AS grantee,
       pg_catalog.lower(e.privilege_type) AS privilege
FROM objects o
CROSS JOIN LATERAL pg_catalog.aclexplode(o.acl) AS e
WHERE e.grantee <> o.owner
UNION ALL
-- Every pg_default_acl entry, whole, as kind 'default acl': not made into the catalog (the
-- plan compares the ones the source names itself, plan/defaultacl.py), but part of these
-- rows, so a hand edit of one changes the rows the no-change fast path remembers.
SELECT 'default acl', coalesce(n.nspname::text, ''), pg_catalog.pg_get_userbyid(d.defaclrole)::text,
       d.defaclobjtype::text, 'public', d.defaclacl::text
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
UNION ALL
-- the ACL of this database, for the same reason (GRANT/REVOKE ... ON DATABASE); not its
-- name, so databases alike but for their names read the same rows (a fleet shares them)
SELECT 'database acl', '', '', '', 'public', d.datacl::text
FROM pg_catalog.pg_database d
WHERE d.datname = pg_catalog.current_database()
ORDER BY 1, 2, 3, 4, 5, 6
