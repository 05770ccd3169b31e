-- A change detector for the whole catalog, built from row versions, not contents: for
-- each per-database catalog the inspector's queries and printers read, the count of its
-- rows and a sum of a hash of each row's (ctid, xmin) (hashtidextended seeded with the xmin: PostgreSQL 14+). A
-- transactional change (INSERT, UPDATE, DELETE of a catalog row) gives the row a new ctid
-- and xmin, so its part moves. In-place updates keep both: VACUUM/ANALYZE's relpages,
-- reltuples, relhasindex, relfrozenxid (none of which drift compares) and, where a server
-- updates them in place, an index's indisvalid/indisready/indislive flags, which are
-- therefore also read by content (the inspector skips invalid indexes).
-- The shared catalogs carry every database's rows, so only the facts that matter here are
-- read from them, by content: the roles, their memberships, this database's row and settings.
-- Used by verify's kept database (cache/verifydb.py), not by plan, drift or the fleet
-- (measured for issue 19: docs/benchmarks.md).

SELECT 'pg_namespace' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_namespace
UNION ALL
SELECT 'pg_class' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_class
UNION ALL
SELECT 'pg_attribute' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_attribute
UNION ALL
SELECT 'pg_attrdef' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_attrdef
UNION ALL
SELECT 'pg_constraint' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_constraint
UNION ALL
SELECT 'pg_index' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_index
UNION ALL
SELECT 'pg_type' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_type
UNION ALL
SELECT 'pg_enum' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_enum
UNION ALL
SELECT 'pg_range' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_range
UNION ALL
SELECT 'pg_proc' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_proc
UNION ALL
SELECT 'pg_language' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_language
UNION ALL
SELECT 'pg_depend' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_depend
UNION ALL
SELECT 'pg_description' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_description
UNION ALL
SELECT 'pg_trigger' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_trigger
UNION ALL
SELECT 'pg_rewrite' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_rewrite
UNION ALL
SELECT 'pg_policy' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_policy
UNION ALL
SELECT 'pg_inherits' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_inherits
UNION ALL
SELECT 'pg_partitioned_table' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_partitioned_table
UNION ALL
SELECT 'pg_default_acl' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_default_acl
UNION ALL
SELECT 'pg_init_privs' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_init_privs
UNION ALL
SELECT 'pg_sequence' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_sequence
UNION ALL
SELECT 'pg_publication' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_publication
UNION ALL
SELECT 'pg_publication_rel' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_publication_rel
UNION ALL
SELECT 'pg_publication_namespace' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_publication_namespace
UNION ALL
SELECT 'pg_extension' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_extension
UNION ALL
SELECT 'pg_event_trigger' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_event_trigger
UNION ALL
SELECT 'pg_statistic_ext' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_statistic_ext
UNION ALL
SELECT 'pg_collation' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_collation
UNION ALL
SELECT 'pg_operator' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_operator
UNION ALL
SELECT 'pg_opclass' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_opclass
UNION ALL
SELECT 'pg_am' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_am
UNION ALL
SELECT 'pg_ts_config' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_ts_config
UNION ALL
SELECT 'pg_cast' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtidextended(ctid, xmin::text::bigint)) AS h
  FROM pg_catalog.pg_cast
UNION ALL
SELECT 'index_flags', count(*), pg_catalog.sum(pg_catalog.hashtextextended(
         i.indexrelid::text || ':' || i.indisvalid::text || i.indisready::text || i.indislive::text, 0))
  FROM pg_catalog.pg_index i
UNION ALL
SELECT 'roles' AS part, count(*) AS n,
       pg_catalog.sum(pg_catalog.hashtextextended(
         r.oid::text || ':' || r.rolname || ':' || r.rolsuper::text || r.rolinherit::text
         || r.rolcreaterole::text || r.rolcreatedb::text || r.rolcanlogin::text
         || r.rolreplication::text || r.rolbypassrls::text, 0)) AS h
  FROM pg_catalog.pg_roles r
UNION ALL
SELECT 'memberships', count(*), pg_catalog.sum(pg_catalog.hashtextextended(m::text, 0))
  FROM pg_catalog.pg_auth_members m
UNION ALL
SELECT 'database', count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(
         d.ctid::text || ':' || d.xmin::text || ':' || d.datname || ':'
         || COALESCE(d.datacl::text, '-') || ':' || d.datdba::text, 0))
  FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()
UNION ALL
SELECT 'settings', count(*), pg_catalog.sum(pg_catalog.hashtextextended(s::text, 0))
  FROM pg_catalog.pg_db_role_setting s
  WHERE s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database
                              WHERE datname = pg_catalog.current_database()))
UNION ALL
SELECT 'server', pg_catalog.current_setting('server_version_num')::bigint, 0
