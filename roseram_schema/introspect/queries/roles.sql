-- The roles asked for or referenced by a grant or policy (%(roles)s), with the attributes
-- the model keeps.
SELECT r.rolname AS name,
       r.rolcanlogin AS login,
       r.rolbypassrls AS bypassrls
FROM pg_catalog.pg_roles r
WHERE r.rolname = ANY (%(roles)s::text[])
ORDER BY r.rolname
