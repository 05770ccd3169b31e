-- Columns of the tables in scope, in table order. Types as format_type prints them;
-- default and generation expression as pg_get_expr prints them; the collation only when
-- it differs from the type's own.
SELECT n.nspname AS schema,
       c.relname AS table,
       a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS not_null,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS "default",
       CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
       a.attidentity::text AS identity,
       -- a bare name (C, en-US-x-icu) unless it needs quoting to stay one name (en_US.utf8),
       -- or is in another schema: then qualified and quoted as SQL
       CASE WHEN a.attcollation <> t.typcollation THEN
         CASE WHEN con.nspname <> 'pg_catalog'
                THEN pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
              WHEN co.collname ~ '[."]' THEN pg_catalog.quote_ident(co.collname)
              ELSE co.collname::text END
       END AS collation,
       (SELECT ds.description FROM pg_catalog.pg_description ds
         WHERE ds.objoid = c.oid AND ds.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ds.objsubid = a.attnum) AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
WHERE a.attnum > 0
  AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p')
  AND NOT c.relispartition
  AND n.nspname = ANY (%(schemas)s::text[])
  AND (%(tables)s::text[] IS NULL OR n.nspname || '.' || c.relname = ANY (%(tables)s::text[]))
ORDER BY 1, 2, a.attnum
