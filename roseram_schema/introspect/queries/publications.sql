-- Publications with their options and the tables of the schemas in scope they publish
-- (pg_publication_rel; a FOR ALL TABLES publication lists none).
SELECT p.pubname AS name,
       p.puballtables AS all_tables,
       p.pubinsert AS insert,
       p.pubupdate AS update,
       p.pubdelete AS delete,
       p.pubtruncate AS truncate,
       p.pubviaroot AS via_root,
       ARRAY(SELECT n.nspname || '.' || c.relname
             FROM pg_catalog.pg_publication_rel pr
             JOIN pg_catalog.pg_class c ON c.oid = pr.prrelid
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE pr.prpubid = p.oid AND n.nspname = ANY (%(schemas)s::text[])
             ORDER BY 1) AS tables
FROM pg_catalog.pg_publication p
ORDER BY 1
