-- Sequences in scope: options, the column that owns one (OWNED BY, or an identity column's
-- own), and its privileges (a NULL ACL is the built-in default; the owner's are implicit).
-- last_value is data, never read. Extension-owned sequences left out.
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart AS start,
       s.seqincrement AS increment,
       s.seqmin AS min_value,
       s.seqmax AS max_value,
       s.seqcache AS cache,
       s.seqcycle AS cycle,
       (SELECT t.relname::text || '.' || a.attname::text
        FROM pg_catalog.pg_depend d
        JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
          AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
          AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
        LIMIT 1) AS owned_by,
       EXISTS (SELECT FROM pg_catalog.pg_depend d
               WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                 AND d.deptype = 'i' AND d.refobjsubid > 0) AS identity,
       coalesce((SELECT pg_catalog.array_agg(g.entry ORDER BY g.entry)
                 FROM (SELECT CASE WHEN e.grantee = 0 THEN 'public'
                                   ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END
                              || ':' || pg_catalog.lower(e.privilege_type) AS entry
                       FROM pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('s', c.relowner))) AS e
                       WHERE e.grantee <> c.relowner) AS g), '{}') AS privileges,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = 0) AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
WHERE c.relkind = 'S'
  AND n.nspname = ANY (%(schemas)s::text[])
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
      AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1, 2
