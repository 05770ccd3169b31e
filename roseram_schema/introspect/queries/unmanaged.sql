-- What the model cannot hold: objects of kinds it does not know, in the managed schemas
-- (%(schemas)s), and the user's own objects on platform tables (%(platform)s) it does
-- not manage. `import` names them as not imported; `plan` and `drift` report them as
-- unmanaged (introspect/unmanaged.py). One row per object, (kind, name), extension-owned
-- objects left out. Each kind is one UNION ALL branch: a kind the model learns is one
-- branch deleted.
WITH ext AS (
  SELECT classid, objid FROM pg_catalog.pg_depend WHERE deptype = 'e'
)
SELECT kind, name FROM (
  -- foreign tables (sequences, domains and composite types are managed: importer/typefiles.py)
  SELECT 'foreign table' AS kind, pg_catalog.format('%%I.%%I', n.nspname, c.relname) AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
    AND c.relkind = 'f'
    AND (c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_class'::pg_catalog.regclass))
  UNION ALL
  -- ranges, base types (not the array or row types PostgreSQL makes by itself)
  SELECT CASE t.typtype WHEN 'r' THEN 'range type' ELSE 'type' END,
         pg_catalog.format('%%I.%%I', n.nspname, t.typname)
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
    AND t.typtype IN ('r', 'b')
    AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
    AND t.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_type'::pg_catalog.regclass)
  UNION ALL
  SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END,
         pg_catalog.format('%%I.%%I(%%s)', n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes))
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = ANY (%(schemas)s::text[]) AND p.prokind IN ('a', 'w')
    AND p.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_proc'::pg_catalog.regclass)
  UNION ALL
  SELECT 'rule', pg_catalog.format('%%I on %%I.%%I', r.rulename, n.nspname, c.relname)
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[]) AND r.rulename <> '_RETURN'
  UNION ALL
  -- a trigger on a platform table calling a function of a schema out of scope (one whose
  -- function is in scope is managed: introspect/queries/triggers.sql)
  SELECT 'trigger on a platform table', pg_catalog.format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname)
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_proc f ON f.oid = t.tgfoid
  JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
  WHERE NOT t.tgisinternal AND n.nspname = ANY (%(platform)s::text[])
    AND fn.nspname <> ALL (%(platform)s::text[]) AND fn.nspname <> ALL (%(schemas)s::text[])
  UNION ALL
  -- what the model cannot say about objects it does know
  SELECT 'disabled state of trigger', pg_catalog.format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname)
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgenabled = 'D'
    AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'trigger on a partition', pg_catalog.format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname)
  FROM pg_catalog.pg_trigger t
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND c.relispartition
    AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'table inheritance', pg_catalog.format('%%I.%%I inherits %%I.%%I', n.nspname, c.relname, pn.nspname, p.relname)
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
  WHERE NOT c.relispartition AND c.relkind IN ('r', 'p') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'partition in another schema', pg_catalog.format('%%I.%%I of %%I.%%I', n.nspname, c.relname, pn.nspname, p.relname)
  FROM pg_catalog.pg_inherits i
  JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
  JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
  WHERE c.relispartition AND n.oid <> pn.oid AND pn.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'partitions of a partition', pg_catalog.format('%%I.%%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relispartition AND c.relkind = 'p' AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'NOT VALID constraint', pg_catalog.format('%%I on %%I.%%I', con.conname, n.nspname, c.relname)
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT con.convalidated AND con.contype IN ('c', 'f') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'comment on a constraint', pg_catalog.format('%%I on %%I.%%I', con.conname, n.nspname, c.relname)
  FROM pg_catalog.pg_description d
  JOIN pg_catalog.pg_constraint con ON con.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'comment on a trigger', pg_catalog.format('%%I on %%I.%%I', t.tgname, n.nspname, c.relname)
  FROM pg_catalog.pg_description d
  JOIN pg_catalog.pg_trigger t ON t.oid = d.objoid
  JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'comment on a view column', pg_catalog.format('%%I.%%I.%%I', n.nspname, c.relname, a.attname)
  FROM pg_catalog.pg_description d
  JOIN pg_catalog.pg_class c ON c.oid = d.objoid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
  WHERE d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid > 0
    AND c.relkind IN ('v', 'm') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  -- left by a failed CREATE INDEX CONCURRENTLY: no query uses it, the next plan builds it
  SELECT 'invalid index', pg_catalog.format('%%I.%%I', n.nspname, ic.relname)
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = ic.relnamespace
  WHERE NOT i.indisvalid AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'unlogged table', pg_catalog.format('%%I.%%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relpersistence = 'u' AND c.relkind IN ('r', 'p') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'storage parameters', pg_catalog.format('%%I.%%I (%%s)', n.nspname, c.relname, pg_catalog.array_to_string(c.reloptions, ', '))
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.reloptions IS NOT NULL AND c.relkind IN ('r', 'p', 'm') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  -- a table's column privileges are managed (grants.sql); a view's are not
  SELECT 'column privileges', pg_catalog.format('%%I.%%I.%%I', n.nspname, c.relname, a.attname)
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('v', 'm')
    AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'grant option', pg_catalog.format('%%s on %%I.%%I to %%s', pg_catalog.lower(e.privilege_type), n.nspname, c.relname,
         CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS e
  -- the text test first: a grant option prints as `*`, and exploding every ACL of a
  -- large schema is most of this query's time (plan and drift run it on every call)
  WHERE c.relacl::text LIKE '%%*%%' AND e.is_grantable AND e.grantee <> c.relowner AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'privilege', pg_catalog.format('maintain on %%I.%%I to %%s', n.nspname, c.relname,
         CASE WHEN e.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(e.grantee)::text END)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS e
  WHERE c.relacl::text LIKE '%%m%%' AND e.privilege_type = 'MAINTAIN' AND e.grantee <> c.relowner AND NOT c.relispartition
    AND c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'default privileges', pg_catalog.format('for role %%s%%s on %%s: %%s',
           pg_catalog.pg_get_userbyid(d.defaclrole),
           CASE WHEN n.nspname IS NULL THEN '' ELSE ' in schema ' || n.nspname END,
           CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                WHEN 'T' THEN 'types' ELSE 'schemas' END,
           d.defaclacl::text)
  FROM pg_catalog.pg_default_acl d
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
  -- the platform stand-in's own rule (platform/standin.sql)
  WHERE NOT (n.nspname = 'public' AND d.defaclobjtype = 'S'
             AND (SELECT pg_catalog.array_agg(DISTINCT pg_catalog.pg_get_userbyid(e.grantee)::text ORDER BY pg_catalog.pg_get_userbyid(e.grantee)::text)
                  FROM pg_catalog.aclexplode(d.defaclacl) e)
                 = ARRAY['anon', 'authenticated', 'service_role'])
    AND (n.nspname IS NULL OR n.nspname = ANY (%(schemas)s::text[]))
  UNION ALL
  -- what a publication holds beyond its tables (publications.sql)
  SELECT 'publication of a schema', pg_catalog.format('%%I in %%I', n.nspname, p.pubname)
  FROM pg_catalog.pg_publication_namespace pn
  JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid
  JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid
  UNION ALL
  SELECT 'column list or row filter of a publication', pg_catalog.format('%%I.%%I in %%I', n.nspname, c.relname, p.pubname)
  FROM pg_catalog.pg_publication_rel pr
  JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid
  JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE (pr.prattrs IS NOT NULL OR pr.prqual IS NOT NULL) AND n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  -- Supabase installs its extensions in its own schemas
  SELECT 'extension in a platform schema', pg_catalog.format('%%I (schema %%I)', e.extname, n.nspname)
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  WHERE n.nspname = ANY (%(platform)s::text[])
  UNION ALL
  SELECT 'event trigger', e.evtname::text
  FROM pg_catalog.pg_event_trigger e
  WHERE e.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass)
  UNION ALL
  SELECT 'statistics object', pg_catalog.format('%%I.%%I', n.nspname, s.stxname)
  FROM pg_catalog.pg_statistic_ext s
  JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
  UNION ALL
  SELECT 'collation', pg_catalog.format('%%I.%%I', n.nspname, c.collname)
  FROM pg_catalog.pg_collation c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
    AND c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_collation'::pg_catalog.regclass)
  UNION ALL
  SELECT 'operator', pg_catalog.format('%%I.%%s', n.nspname, o.oprname)
  FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
    AND o.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_operator'::pg_catalog.regclass)
  UNION ALL
  SELECT 'text search configuration', pg_catalog.format('%%I.%%I', n.nspname, c.cfgname)
  FROM pg_catalog.pg_ts_config c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
  WHERE n.nspname = ANY (%(schemas)s::text[])
    AND c.oid NOT IN (SELECT objid FROM ext WHERE classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass)
) AS found
ORDER BY kind, name
